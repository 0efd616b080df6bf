"""The store switcher: the stores one browser signed in to, and the switch between them."""

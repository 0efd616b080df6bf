"""Shops: the stores that installed StoreOKR; every other row belongs to one."""

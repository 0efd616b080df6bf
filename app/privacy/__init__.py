"""Privacy requests: export what we hold on a customer, erase a customer, erase a shop."""

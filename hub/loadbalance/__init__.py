"""Site load balancing: a power limit per Location shared out among its running Sessions with TxProfiles."""

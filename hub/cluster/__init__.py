"""Several hub processes on one database (DESIGN: Scale): process leases and the relay of charger calls."""

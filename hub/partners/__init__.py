"""Partners: remote OCPI platforms, how we call them and how they are registered."""

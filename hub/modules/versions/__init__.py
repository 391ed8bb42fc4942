"""Versions module (version_information_endpoint): the versions list and the 2.2.1 details."""

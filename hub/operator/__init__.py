"""The operator's own data: imports from files and edits through the admin API."""

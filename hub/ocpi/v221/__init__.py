"""OCPI 2.2.1 objects, one file per spec chapter."""

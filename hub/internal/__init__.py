"""The internal CSMS event API: a CSMS that keeps its own charger connections pushes normalised events."""

"""Our charging stations over OCPP: their mapping to our Locations, their connection state and the EVSE
statuses they report (DESIGN decision 8; the adapters reach this package through `hub.ports.HubPort`)."""

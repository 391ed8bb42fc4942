"""Reconciliation of our charging data: OCPP transactions, their Sessions and CDRs, and the CDR pushes to eMSPs
(mod_cdrs_flow_and_lifecycle); what disagrees is listed with its evidence and, where the meter allows, the
missing CDR is made."""

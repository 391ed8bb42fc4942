"""The OCPP 1.6J and 2.0.1 endpoint `ws(s)://<host>/ocpp/{station_id}`, built on the `ocpp` library: one
ChargePoint per websocket, talking to the hub only through `hub.ports.HubPort`."""

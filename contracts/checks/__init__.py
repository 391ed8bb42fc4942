"""Every check of the suite, one module per spec chapter; importing this package registers them in run order."""

from contracts.checks import (  # noqa: F401 - imported to register their checks
    cdrs,
    charging_profiles,
    commands,
    coverage,
    credentials,
    dependencies,
    hub_client_info,
    lists,
    locations,
    routing,
    sessions,
    tariffs,
    tokens,
    transport,
    versions,
)

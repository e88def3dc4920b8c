"""Running ngspice: backends, worker pools, raw results. Nothing here runs at import."""

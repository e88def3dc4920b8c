"""Running ngspice: backends, worker pools, PDK location. Nothing here runs at import."""

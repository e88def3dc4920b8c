"""Process design kits: where the models are, their corners, devices and mismatch."""

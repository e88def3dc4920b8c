"""Monte Carlo engine: one sample, the executors, the sweep, corner sweeps."""

"""Circuit generators: parameters in, netlist text out (pure, no I/O)."""

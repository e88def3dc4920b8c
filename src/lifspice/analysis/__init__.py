"""Theory, extraction, fitting (pure computation) and plots."""

"""The ``lifspice`` command line: argparse front end, the only place that prints progress."""

from lifspice.cli.main import main

__all__ = ["main"]

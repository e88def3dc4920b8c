"""argparse types the subcommands share."""

from __future__ import annotations

import argparse


def whole_number(minimum: int = 1, hint: str = ""):
    """argparse type: a whole number >= ``minimum`` (``--workers 0`` is refused, not read as
    "all cores"); ``hint`` says how to get what a smaller value might have meant."""
    def conv(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be >= {minimum}, got {value}" + (f"; {hint}" if hint else ""))
        return value
    conv.__name__ = "whole number"
    return conv


WORKERS_HINT = "leave --workers out to use all cores"

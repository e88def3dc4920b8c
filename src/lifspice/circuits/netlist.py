"""Netlist text helpers: exact numbers, safe names, assembly. Pure: no files, no ngspice."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def spice_number(x: float) -> str:
    """Exact SPICE literal for ``x`` (``repr`` round-trips; never an SI suffix: 'M' is milli)."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot write non-finite number {x!r} into a netlist")
    return repr(x)


def safe_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is a plain identifier, else raise: names never inject SPICE text."""
    if not isinstance(name, str) or not _NAME.match(name) or len(name) > 64:
        raise ValueError(
            f"{what} {name!r} is not allowed in a netlist: use letters, digits and '_' "
            "(starting with a letter or '_', at most 64 characters)"
        )
    return name


def title_line(text: str) -> str:
    """First netlist line (the title); newlines and control characters are removed."""
    return "* " + re.sub(r"[^\x20-\x7e]", " ", text)[:200]


def assemble(title: str, body: Iterable[str], end: bool = True) -> str:
    """Join netlist lines; the result always ends with a newline (ngspice drops a last line
    without one)."""
    lines = [title_line(title), *body]
    if end:
        lines.append(".end")
    return "\n".join(lines) + "\n"

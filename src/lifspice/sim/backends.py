"""The two ngspice backends, and making one by name.

`NgspiceShared` runs netlists in this process through the shared library (fast, one
session per process); `NgspiceBatch` starts ``ngspice -b`` for each (isolated, killable).
Both take the same arguments, return the same `SimResult` and raise `SimulationError`.
Nothing here loads ngspice or PySpice until a backend is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lifspice.sim.batch import NgspiceBatch
from lifspice.sim.result import Simulator
from lifspice.sim.shared import NgspiceShared

BACKENDS = {"shared": NgspiceShared, "batch": NgspiceBatch}

__all__ = ["BACKENDS", "NgspiceBatch", "NgspiceShared", "available_backends", "make_simulator"]


def make_simulator(backend: str = "shared", init_commands: Sequence[str] = (),
                   **options: Any) -> Simulator:
    """A backend by name (``"shared"`` or ``"batch"``); ``options`` go to its constructor."""
    try:
        cls = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"unknown backend {backend!r}; choose from {sorted(BACKENDS)}") from None
    return cls(init_commands, **options)


def available_backends() -> list[str]:
    """Names of the backends that work here (loads the shared library to find out)."""
    return [name for name, cls in BACKENDS.items() if cls.is_available()]

"""Typed simulation results and the errors every backend raises."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np


class NgspiceNotFoundError(RuntimeError):
    """ngspice (the program or its shared library) is not installed."""


class SimulationError(RuntimeError):
    """ngspice failed: no convergence, a bad netlist, a timeout or missing vectors.

    The message holds the tail of the ngspice log and the path of the netlist that was run.
    """

    def __init__(self, message: str, *, log: str = "", netlist_path: Path | None = None):
        self.reason = message
        self.log = log
        self.netlist_path = netlist_path
        tail = "\n".join([line for line in log.splitlines() if line.strip()][-25:])
        text = message
        if netlist_path is not None:
            text += f"\n  netlist: {netlist_path}"
        if tail:
            text += "\n  ngspice log (last lines):\n    " + tail.replace("\n", "\n    ")
        super().__init__(text)

    def __reduce__(self):  # keep log and path when a worker process sends the error back
        return (_rebuild_error, (type(self), self.reason, self.log, self.netlist_path))


def _rebuild_error(cls, reason, log, netlist_path):
    return cls(reason, log=log, netlist_path=netlist_path)


@dataclass(frozen=True)
class SimResult:
    """Vectors of one analysis.

    Attributes
    ----------
    scale : np.ndarray
        The independent variable: time (s) for ``tran``, the swept source value for ``dc``.
    traces : Mapping[str, np.ndarray]
        Vectors by canonical lower-case name: ``v(node)`` for node voltages (V),
        ``i(vsource)`` for branch currents (A).
    log : str
        What ngspice printed.
    netlist_path : Path | None
        Where the netlist that produced this result was written, if it was.
    """

    scale: np.ndarray
    traces: Mapping[str, np.ndarray]
    log: str = ""
    netlist_path: Path | None = None
    meta: Mapping[str, object] = field(default_factory=dict)

    @property
    def time(self) -> np.ndarray:
        return self.scale

    def __getitem__(self, name: str) -> np.ndarray:
        key = canonical_vector_name(name)
        try:
            return self.traces[key]
        except KeyError:
            raise KeyError(f"no vector {name!r}; have {sorted(self.traces)}") from None


def canonical_vector_name(name: str) -> str:
    """Map ngspice's spellings to one: ``mem``/``V(mem)`` -> ``v(mem)``,
    ``vdd#branch``/``I(Vdd)`` -> ``i(vdd)``; scale names (``time``, ``v-sweep``) and device
    quantities (``@r1[i]``) unchanged.

    The raw-file writer wraps scales and device quantities (``v(v-sweep)``, ``i(@r1[i])``);
    the shared library does not; both map to the bare name.
    """
    n = name.strip().lower()
    if n.endswith("#branch"):
        return f"i({n[: -len('#branch')]})"
    if n.startswith(("v(", "i(")) and n.endswith(")"):
        inner = n[2:-1]
        return inner if _is_bare(inner) else n
    if _is_bare(n):
        return n
    return f"v({n})"


def _is_bare(n: str) -> bool:
    return n.startswith("@") or n in ("time", "frequency") or n.endswith("-sweep")


# Lines that only a failed analysis prints (matched case-insensitively).  Deliberately
# narrow: "singular matrix" and "gmin step failed" are printed on the way to a
# converged answer too, and stderr chatter alone is not failure.
_FATAL_PATTERNS = (
    "timestep too small",
    "simulation(s) aborted",
    "simulation interrupted",
    "doanalyses:",
    "simulation not started",
    "circuit not parsed",
    "aren't any circuits loaded",
    "no circuit loaded",
    "no convergence",
    "iteration limit reached",
    "transient op failed",
)


def fatal_log_lines(log: str) -> list[str]:
    """Lines of an ngspice log that say the analysis failed (empty if none)."""
    return [
        line.strip()
        for line in log.splitlines()
        if any(p in line.lower() for p in _FATAL_PATTERNS)
    ]


def build_result(
    data: Mapping[str, np.ndarray],
    *,
    vectors: Sequence[str],
    log: str = "",
    netlist_path: Path | None = None,
    meta: Mapping[str, object] | None = None,
) -> SimResult:
    """Assemble a `SimResult` from the vectors a backend read, keyed by any ngspice spelling.

    The scale is ``time``, ``frequency`` or the ``*-sweep`` vector (an empty array for
    ``.op``); it is also kept in ``traces`` under its own name.  ``vectors`` empty means
    all.  Raises `SimulationError` if a requested vector is missing.
    """
    canon = {canonical_vector_name(k): np.asarray(v) for k, v in data.items()}
    scale_name = next((k for k in canon if _is_bare(k) and not k.startswith("@")), None)
    wanted = [canonical_vector_name(v) for v in vectors] or sorted(canon)
    missing = [w for w in wanted if w not in canon]
    if missing:
        raise SimulationError(
            f"ngspice produced no vector {missing}; it produced {sorted(canon)}",
            log=log,
            netlist_path=netlist_path,
        )
    traces = {w: canon[w] for w in wanted}
    if scale_name is not None:
        traces.setdefault(scale_name, canon[scale_name])
    scale = canon[scale_name] if scale_name is not None else np.empty(0)
    return SimResult(scale, traces, log, netlist_path, dict(meta or {}))


class Simulator(Protocol):
    """A way to run ngspice on netlist text; backends are swappable and passed in."""

    def run(
        self,
        netlist: str,
        *,
        vectors: Sequence[str],
        netlist_path: Path | None = None,
        timeout: float | None = None,
    ) -> SimResult:
        """Run ``netlist`` (its own analysis card) and return ``vectors`` (canonical names)."""
        ...

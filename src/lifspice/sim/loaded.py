"""A netlist kept loaded in this process's ngspice session, analysed command by command.

The Monte Carlo workers keep one circuit loaded and, per sample, redraw its mismatch
(``setseed`` + ``reset``) and run ``op``/``ac``/``tran`` commands on it, reading each
result plot directly: the model library is parsed once per process, not once per sample.
This drives the process's shared session directly, so a process that also runs netlists
through :meth:`lifspice.sim.backends.NgspiceShared.run` should use a pool instead.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np


class LoadedCircuit:
    """The netlist loaded in this process's ngspice session.

    One per process (the session is one per process); ``lock`` makes a sample's command
    sequence atomic if a Dask worker runs several threads.
    """

    lock = threading.Lock()
    _key: str | None = None

    @classmethod
    def ensure(cls, netlist: str, init_commands) -> object:
        """The session with ``netlist`` loaded (loaded now unless it already is)."""
        from .shared import session

        ses = session(init_commands)
        if cls._key != netlist:
            if cls._key is not None:
                ses.command("remcirc")
            cls._key = None
            try:
                ses._ng.load_circuit(netlist)  # the session's PySpice object: load, no run
            except NameError:
                pass  # PySpice raises on any "error" in stdout; judged by the analyses
            cls._key = netlist
        return ses

    @classmethod
    def forget(cls) -> None:
        cls._key = None


def run_analysis(ses, command: str, *, until: Sequence[str] = (),
                 also: str | None = None) -> dict[str, np.ndarray]:
    """Run one analysis command (``op``, ``ac ...``, ``tran ...``) on the loaded circuit and
    return its vectors (canonical names).

    Parameters
    ----------
    until : sequence of str
        ngspice ``stop`` conditions met one after the other, e.g. ``("when v(rst) > 0.9",
        "when v(mem) > 0.5 when v(rst) < 0.9")``: the analysis pauses when the first holds,
        then runs on (``resume``) until the next does, and ends at the last; if it reaches
        its stop time first, it just ends there. A transient then costs only what the
        measurement needs.
    also : str, optional
        Prefix of a second plot the command makes to read as well (``"op"``: the operating
        point an ``ac`` keeps with ``.options keepopinfo``); its vectors come back with the
        prefix and a colon, e.g. ``"op:v(mem)"``.

    Raises :class:`SimulationError` with the log when ngspice fails or makes no plot (and
    forgets the circuit, so it is reloaded next time).
    """
    from .result import SimulationError, canonical_vector_name, fatal_log_lines

    ng = ses._ng
    old = ng.current_plot()
    before = set(ng.plot_names) if also else set()
    logs = []
    if not until:
        logs.append(ses.command(command))
    try:
        for k, condition in enumerate(until):
            if k:
                ses.command("delete all")
            logs.append(ses.command(f"stop {condition}"))
            logs.append(ses.command(command if k == 0 else "resume"))
            if "condition met" not in _text(logs[-1]):
                break  # ran to its stop time
    finally:
        if until:
            ses.command("delete all")
    log = "\n".join(_unpaused(_text(x)) for x in logs)
    plot = ng.current_plot()
    fatal = fatal_log_lines(log)
    if fatal or plot in ("const", old):
        LoadedCircuit.forget()  # reload next time: the circuit may be in a bad state
        reason = fatal[0] if fatal else f"`{command}` produced no results"
        raise SimulationError(f"ngspice failed: {reason}", log=log)
    out = {canonical_vector_name(k): v for k, v in ng.read_plot(plot).items()}
    if also:
        extra = [p for p in ng.plot_names if p not in before and p != plot and p.startswith(also)]
        if not extra:
            raise SimulationError(f"`{command}` made no {also!r} plot", log=log)
        out.update({f"{also}:{canonical_vector_name(k)}": v
                    for k, v in ng.read_plot(extra[0]).items()})
    ses.command("destroy all")
    return out


def _text(log) -> str:
    return log if isinstance(log, str) else "\n".join(map(str, log))


# what ngspice 39 prints when a ``stop`` condition pauses a transient; at a fast edge the
# pause can also come out as "Too many iterations without convergence", though the run
# resumes and ends bit for bit as an uninterrupted one (tests/test_loaded.py)
_PAUSE_LINES = ("doanalyses: pause requested", "simulation interrupted",
                "doanalyses: too many iterations without convergence")


def _unpaused(log: str) -> str:
    """A log segment without the lines that only say a stop condition paused the run."""
    if "condition met" not in log:
        return log
    return "\n".join(line for line in log.splitlines()
                     if not any(p in line.lower() for p in _PAUSE_LINES))

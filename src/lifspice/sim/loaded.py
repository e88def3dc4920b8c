"""A netlist kept loaded in this process's ngspice session, analysed command by command.

The Monte Carlo workers keep one circuit loaded and, per sample, redraw its mismatch
(``setseed`` + ``reset``) and run ``op``/``ac``/``tran`` commands on it, reading each
result plot directly: the model library is parsed once per process, not once per sample.
This drives the process's shared session directly, so a process that also runs netlists
through :meth:`lifspice.sim.backends.NgspiceShared.run` should use a pool instead.
"""

from __future__ import annotations

import threading

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


def run_analysis(ses, command: str) -> dict[str, np.ndarray]:
    """Run one analysis command (``op``, ``ac ...``, ``tran ...``) on the loaded circuit and
    return its vectors (canonical names); raises :class:`SimulationError` with the log when
    ngspice fails or makes no plot (and forgets the circuit, so it is reloaded next time)."""
    from .result import SimulationError, canonical_vector_name, fatal_log_lines

    ng = ses._ng
    old = ng.current_plot()
    log = ses.command(command)
    plot = ng.current_plot()
    fatal = fatal_log_lines(log)
    if fatal or plot in ("const", old):
        LoadedCircuit.forget()  # reload next time: the circuit may be in a bad state
        reason = fatal[0] if fatal else f"`{command}` produced no results"
        raise SimulationError(f"ngspice failed: {reason}", log=log)
    data = ng.read_plot(plot)
    ses.command("destroy all")
    return {canonical_vector_name(k): v for k, v in data.items()}

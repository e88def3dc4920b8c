"""In-process ngspice through PySpice's binding of the shared library, one session per process.

ngspice keeps global state, so a process holds one session (`session`); every
`NgspiceShared` backend in the process uses it, one run at a time.  A run costs the
analysis plus well under a millisecond, against ~10 ms for starting ``ngspice -b``.

PySpice is imported when the session is first created, never at import.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lifspice.sim.pyspice_library import private_start, pyspice_class
from lifspice.sim.result import (
    SimResult,
    SimulationError,
    build_result,
    fatal_log_lines,
)

logger = logging.getLogger(__name__)

#: Always sent first.  Debian's ngspice otherwise starts as many OpenMP threads as cores,
#: and two such processes on two cores ran 25-400x slower.
BASE_INIT_COMMANDS: tuple[str, ...] = ("set num_threads=1",)
_HALT_GRACE_S = 10.0  # s, wait for a halted background run to stop

_lock = threading.Lock()
_session: SharedSession | None = None


def compat_commands(init_commands: Sequence[str]) -> tuple[str, ...]:
    """Commands that give a circuit about to be loaded a clean front end: the compatibility
    mode ``init_commands`` ask for (``set ngbehavior=...``, else ``unset ngbehavior``) and no
    ``scale`` variable. ngspice reads both when it parses a circuit, and one process's session
    outlives its simulators: sky130's models set ``.option scale=1.0u``, which stays a
    front-end variable, and a gf180mcu netlist loaded after a sky130 one in the same process
    found no model bin for its devices ("could not find a valid modelname"); a model library
    that needs a scale sets it again as it loads."""
    mode = [c for c in init_commands if c.replace(" ", "").startswith("setngbehavior=")]
    return ((mode[-1],) if mode else ("unset ngbehavior",)) + ("unset scale",)


def session(init_commands: Sequence[str] = ()) -> SharedSession:
    """The process's ngspice session, created (library loaded, `BASE_INIT_COMMANDS` sent)
    on first call; ``init_commands`` are sent every call, so they accumulate."""
    global _session
    with _lock:
        if _session is None:
            _session = SharedSession()
    _session.init(init_commands)
    return _session


class NgspiceShared:
    """Run netlists in this process's ngspice shared library (PySpice).

    Parameters
    ----------
    init_commands : sequence of str
        ngspice commands sent once, before any circuit is loaded, e.g.
        ``("set ngbehavior=hsa", "set ng_nomodcheck")`` for sky130.  They act on the
        process's one session, so they also hold for every other `NgspiceShared`.
    timeout : float or None
        Default limit (s) for one run; ``None`` waits for ever.

    Notes
    -----
    The library reads ``.spiceinit`` from the working directory (or else ``$HOME``) when the
    session is created, and runs what it holds (``shell`` lines included). The session is
    therefore created in a private empty folder holding the kit's own (empty)
    ``.spiceinit``, so a ``.spiceinit`` where the user runs lifspice is never executed.
    """

    name = "shared"

    def __init__(self, init_commands: Sequence[str] = (), *, timeout: float | None = None):
        self.init_commands = tuple(init_commands)
        self.timeout = timeout
        self._session = session(self.init_commands)

    @classmethod
    def is_available(cls) -> bool:
        """True if PySpice imports and the ngspice library loads (creates the session)."""
        try:
            session()
        except Exception as exc:  # anything at all means "not usable here"
            logger.debug("ngspice shared library not available: %s", exc)
            return False
        return True

    def run(
        self,
        netlist: str,
        *,
        vectors: Sequence[str],
        netlist_path: Path | None = None,
        timeout: float | None = None,
        before_load: Sequence[str] = (),
        before_run: Sequence[str] = (),
    ) -> SimResult:
        """Load ``netlist``, run its analysis and return ``vectors``.

        Parameters
        ----------
        netlist : str
            Complete netlist: title line, elements, one analysis card, ``.end``.
        vectors : sequence of str
            Names in any ngspice spelling (``mem``, ``v(mem)``, ``vdd#branch``); empty
            means all.
        netlist_path : Path, optional
            Also write the netlist here (it is reported in the result and errors).  If not
            given, the netlist is written to a kept temporary file only when the run fails.
        timeout : float, optional
            Limit in s (default: the backend's); the run is halted when it is reached.
            With a limit the analysis runs in ngspice's background thread, which costs
            ~0.7 ms more per run.
        before_load, before_run : sequence of str
            ngspice commands sent before loading the circuit and between loading and
            running, e.g. ``before_load=["setseed 5"]`` for repeatable ``agauss``.

        Raises
        ------
        SimulationError
            No convergence, a netlist ngspice cannot parse, a timeout, or missing vectors.
        """
        if netlist_path is not None:
            netlist_path = Path(netlist_path)
            netlist_path.write_text(netlist)
        timeout = self.timeout if timeout is None else timeout
        t0 = time.perf_counter()
        out = self._session.run(netlist, (*compat_commands(self.init_commands), *before_load),
                                before_run, timeout)
        elapsed = time.perf_counter() - t0

        problem = None
        if out.timed_out:
            problem = f"ngspice timed out after {timeout:g} s"
        elif out.broken:
            problem = (f"{out.broken}; this process cannot run ngspice again: restart it or "
                       "use NgspiceBatch")
        elif fatal := fatal_log_lines(out.log):
            problem = f"ngspice failed: {fatal[0]}"
        elif out.plot is None:
            problem = "ngspice ran no analysis (the netlist did not load, or has none)"
        if problem is not None:
            if netlist_path is None:
                netlist_path = _keep_failed(netlist)
            raise SimulationError(problem, log=out.log, netlist_path=netlist_path)
        meta = {"backend": self.name, "plot": out.plot, "analysis": out.plot.rstrip("0123456789"),
                "elapsed_s": elapsed}
        try:
            return build_result(out.data, vectors=vectors, log=out.log,
                                netlist_path=netlist_path, meta=meta)
        except SimulationError as exc:
            if exc.netlist_path is not None:
                raise
            path = _keep_failed(netlist)
            raise SimulationError(exc.reason, log=out.log, netlist_path=path) from None


def _keep_failed(netlist: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="lifspice-failed-"))
    path = folder / "netlist.cir"
    path.write_text(netlist)
    return path


class _RunOutput:
    __slots__ = ("broken", "data", "log", "plot", "timed_out")

    def __init__(self) -> None:
        self.data: dict[str, np.ndarray] = {}
        self.log = ""
        self.plot: str | None = None
        self.timed_out = False
        self.broken: str | None = None


class SharedSession:
    """The process's ngspice: the PySpice object, what ngspice printed, and a lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._sent: set[str] = set()
        with private_start():
            self._ng = pyspice_class()()
        self.init(BASE_INIT_COMMANDS)

    def init(self, commands: Sequence[str]) -> None:
        with self._lock:
            for c in commands:
                if c not in self._sent:
                    self.command(c)
                    self._sent.add(c)

    def command(self, command: str) -> str:
        """Send one command and return what ngspice printed; never raises for that output."""
        with self._lock:
            start = len(self._ng.lines)
            try:
                self._ng.exec_command(command)
            except NameError:
                # PySpice's errors are NameErrors: on any stderr line (NgSpiceCommandError)
                # or a non-zero return code.  The caller judges ngspice's output instead.
                pass
            return "\n".join(self._ng.lines[start:])

    def run(self, netlist: str, before_load: Sequence[str], before_run: Sequence[str],
            timeout: float | None) -> _RunOutput:
        out = _RunOutput()
        ng = self._ng
        with self._lock:
            ng.lines.clear()
            if ng.broken:
                out.broken = ng.broken
                return out
            try:
                for c in before_load:
                    self.command(c)
                old_plot = ng.current_plot()
                try:
                    ng.load_circuit(netlist)
                except NameError:
                    pass  # NgSpiceCircuitError if stdout says "error": judged from the log
                for c in before_run:
                    self.command(c)
                out.timed_out = not self._run(timeout)
                plot = ng.current_plot()
                if plot not in ("const", old_plot):
                    out.plot = plot
                    out.data = ng.read_plot(plot)
            finally:
                out.log = "\n".join(ng.lines)
                out.broken = ng.broken
                if not ng.broken:
                    # remcirc + destroy keep memory flat over thousands of runs
                    self.command("remcirc")
                    self.command("destroy all")
        return out

    def _run(self, timeout: float | None) -> bool:
        """Run the loaded circuit; False if it was halted at ``timeout`` s."""
        if timeout is None:
            self.command("run")
            return True
        # Only a background run can be interrupted.  ngspice reports the end of its thread
        # through a callback (ngSpice_running() turns true only after the thread starts,
        # so polling it could miss a short run).
        done = self._ng.bg_done
        done.clear()
        self.command("bg_run")
        if done.wait(timeout):
            return True
        self.command("bg_halt")
        if not done.wait(_HALT_GRACE_S):
            self._ng.broken = "a halted background run did not stop"
        return False

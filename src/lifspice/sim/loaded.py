"""A netlist kept loaded in this process's ngspice session, analysed command by command.

The Monte Carlo workers keep one circuit loaded and, per sample, redraw its mismatch (``alter`` to
drawn values, :func:`~lifspice.sim.loaded.apply_draw`, or ``setseed`` + ``reset``) and run
``op``/``ac``/``tran`` commands on it, reading each result plot directly: the model library is
parsed once per process, not once per sample. This drives the process's shared session directly, so
a process that also runs netlists through :meth:`~lifspice.sim.shared.NgspiceShared.run` should use
a pool instead.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lifspice.pdk.sky130_mismatch import Z_PARAM
from lifspice.sim.result import SimulationError, canonical_vector_name, fatal_log_lines
from lifspice.sim.shared import compat_commands, session


class LoadedCircuit:
    """The netlist loaded in this process's ngspice session.

    One per process (the session is one per process); ``lock`` makes a sample's command
    sequence atomic if a Dask worker runs several threads.
    """

    lock = threading.Lock()
    _key: str | None = None
    _coefficients: MismatchCoefficients | None = None

    @classmethod
    def ensure(cls, netlist: str, init_commands) -> object:
        """The session with ``netlist`` loaded (loaded now unless it already is)."""

        ses = session(init_commands)
        if cls._key != netlist:
            if cls._key is not None:
                ses.command("remcirc")
            cls._key = None
            cls._coefficients = None
            for command in compat_commands(init_commands):
                ses.command(command)
            try:
                ses._ng.load_circuit(netlist)  # the session's PySpice object: load, no run
            except NameError:
                pass  # PySpice raises on any "error" in stdout; judged by the analyses
            cls._key = netlist
        return ses

    @classmethod
    def forget(cls) -> None:
        cls._key = None
        cls._coefficients = None

    @classmethod
    def coefficients(cls, ses, paths: Sequence[str]) -> MismatchCoefficients:
        """The loaded circuit's :class:`MismatchCoefficients` (measured once per load)."""
        if cls._coefficients is None or cls._coefficients.paths != tuple(paths):
            cls._coefficients = calibrate(ses, paths)
        return cls._coefficients


@dataclass(frozen=True)
class MismatchCoefficients:
    """Instance values ``a + b z`` of an explicit-draw circuit
    (:mod:`lifspice.pdk.sky130_mismatch`): ``a`` at z = 0, ``b`` per unit z."""

    paths: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray

    def values(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        if z.shape != self.a.shape:
            raise ValueError(f"need {self.a.size} standard normals, got shape {z.shape}")
        return self.a + self.b * z


def read_parameters(ses, paths: Sequence[str]) -> np.ndarray:
    """Values of instance parameters (``@dev[param]``) of the loaded circuit."""
    ses.command("set numdgt=17")
    out = []
    for path in paths:
        text = _text(ses.command(f"print {path}"))
        m = re.search(r"=\s*(\S+)\s*$", text.strip())
        try:
            out.append(float(m.group(1)))
        except (AttributeError, ValueError):
            raise RuntimeError(f"ngspice could not read {path}: {text.strip()[-200:]}") from None
    return np.array(out)


def calibrate(ses, paths: Sequence[str]) -> MismatchCoefficients:
    """``a`` and ``b`` of every instance, evaluated by ngspice from the PDK's expressions:
    the values at ``lifspice_mm_z`` = 0 and 1 (``alterparam`` + ``reset``). Raises
    ``RuntimeError`` if they do not move with it, or move at random (another library)."""

    values = []
    for z in (0, 1, 0):  # z = 0 twice: the values must not be drawn at random
        ses.command(f"alterparam {Z_PARAM}={z}")
        ses.command("reset")
        values.append(read_parameters(ses, paths))
    b = values[1] - values[0]
    if (not np.all(np.isfinite(values)) or not np.any(b)
            or not np.array_equal(values[0], values[2])):
        raise RuntimeError(f"mismatch calibration failed: the instance values do not follow "
                           f"{Z_PARAM} alone (is this the explicit-draw library?); use "
                           "draw='reset'")
    return MismatchCoefficients(tuple(paths), values[0], b)


def apply_draw(ses, coefficients: MismatchCoefficients, z: np.ndarray) -> None:
    """Set every instance to its value for the standard normals ``z`` (one per path)."""
    for path, v in zip(coefficients.paths, coefficients.values(z), strict=True):
        ses.command(f"alter {path} = {float(v)!r}")


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

    Raises
    ------
    lifspice.sim.result.SimulationError
        With the log, when ngspice fails or makes no plot (and forgets the circuit, so it is
        reloaded next time).
    """

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

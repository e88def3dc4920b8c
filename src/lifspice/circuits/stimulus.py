"""Input-current stimuli: one description for SPICE sources and for the theory simulators.

Each stimulus gives the SPICE value text of an independent current source and an exact
piecewise-linear form ``(t, i)`` (arrays, s and A) that the event-exact LIF simulators use,
so circuit and theory see the same waveform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from lifspice.circuits.netlist import spice_number
from lifspice.circuits.params import ParameterError, check_finite


class Stimulus(Protocol):
    def spice_value(self) -> str:
        """Value field of a SPICE current source, e.g. ``DC 1e-9`` or ``PWL(...)``."""

    def pwl(self, t_stop: float) -> tuple[np.ndarray, np.ndarray]:
        """Exact piecewise-linear form up to ``t_stop``: times (s) and currents (A)."""

    def at(self, t: np.ndarray | float) -> np.ndarray:
        """Current at time(s) t, A."""


class _PwlMixin:
    def at(self, t):
        ts, cs = self.pwl(float(np.max(t)) if np.size(t) else 0.0)
        return np.interp(t, ts, cs)


@dataclass(frozen=True)
class DC(_PwlMixin):
    """Constant current ``i`` (A) from t = 0."""

    i: float

    def __post_init__(self):
        check_finite("DC", i=self.i)

    def spice_value(self) -> str:
        return f"DC {spice_number(self.i)}"

    def pwl(self, t_stop):
        return np.array([0.0, t_stop]), np.array([self.i, self.i])


@dataclass(frozen=True)
class Step(_PwlMixin):
    """Current ``i0`` (A) until ``t_step`` (s), then ``i1``; the edge takes ``t_rise`` (s)."""

    i0: float
    i1: float
    t_step: float
    t_rise: float = 1e-9

    def __post_init__(self):
        check_finite("Step", i0=self.i0, i1=self.i1, t_step=self.t_step, t_rise=self.t_rise)
        if self.t_step < 0 or not self.t_rise > 0:
            raise ParameterError("Step needs t_step >= 0 s and t_rise > 0 s")

    def spice_value(self) -> str:
        n = spice_number
        return (
            f"DC {n(self.i0)} PWL(0 {n(self.i0)} {n(self.t_step)} {n(self.i0)} "
            f"{n(self.t_step + self.t_rise)} {n(self.i1)})"
        )

    def pwl(self, t_stop):
        t1 = self.t_step + self.t_rise
        ts = [0.0, self.t_step, t1, max(t_stop, t1)]
        return np.array(ts), np.array([self.i0, self.i0, self.i1, self.i1])


@dataclass(frozen=True)
class PulseTrain(_PwlMixin):
    """SPICE PULSE: ``i_low`` (A) with pulses to ``i_high`` of ``width`` every ``period`` (s)."""

    i_low: float
    i_high: float
    delay: float
    width: float
    period: float
    t_edge: float = 1e-9

    def __post_init__(self):
        check_finite("PulseTrain", **{k: getattr(self, k) for k in self.__dataclass_fields__})
        if not (self.width > 0 and self.t_edge > 0 and self.period >= self.width + 2 * self.t_edge):
            raise ParameterError(
                "PulseTrain needs width > 0, t_edge > 0 and period >= width + 2*t_edge (s)"
            )

    def spice_value(self) -> str:
        n = spice_number
        return (
            f"DC {n(self.i_low)} PULSE({n(self.i_low)} {n(self.i_high)} {n(self.delay)} "
            f"{n(self.t_edge)} {n(self.t_edge)} {n(self.width)} {n(self.period)})"
        )

    def pwl(self, t_stop):
        ts, cs = [0.0, self.delay], [self.i_low, self.i_low]
        start = self.delay
        while start < t_stop:
            e = self.t_edge
            ts += [start + e, start + e + self.width, start + 2 * e + self.width]
            cs += [self.i_high, self.i_high, self.i_low]
            start += self.period
            ts.append(start)
            cs.append(self.i_low)
        return np.array(ts), np.array(cs)


@dataclass(frozen=True)
class Pwl(_PwlMixin):
    """Piecewise-linear current: ``times`` (s, strictly increasing) and ``currents`` (A)."""

    times: tuple[float, ...]
    currents: tuple[float, ...]

    def __post_init__(self):
        t = np.asarray(self.times, float)
        c = np.asarray(self.currents, float)
        if t.shape != c.shape or t.ndim != 1 or t.size < 1:
            raise ParameterError("Pwl needs equal-length 1-D times and currents")
        if not (np.all(np.isfinite(t)) and np.all(np.isfinite(c))):
            raise ParameterError("Pwl times and currents must be finite")
        if np.any(np.diff(t) <= 0) or t[0] < 0:
            raise ParameterError("Pwl times must start at >= 0 s and strictly increase")

    def spice_value(self) -> str:
        pairs = " ".join(
            f"{spice_number(t)} {spice_number(c)}"
            for t, c in zip(self.times, self.currents, strict=True)
        )
        return f"DC {spice_number(self.currents[0])} PWL({pairs})"

    def pwl(self, t_stop):
        t = np.asarray(self.times, float)
        c = np.asarray(self.currents, float)
        if t[0] > 0:
            t, c = np.r_[0.0, t], np.r_[c[0], c]
        if t[-1] < t_stop:
            t, c = np.r_[t, t_stop], np.r_[c, c[-1]]
        return t, c


@dataclass(frozen=True)
class NoisyDC:
    """Constant current ``i`` (A) plus white noise of intensity ``sigma`` (A s^(1/2)), drawn
    by ngspice: ``DC i TRNOISE(NA NT 0 0)``.

    ngspice draws independent Gaussian samples of rms ``NA`` every ``NT = dt`` seconds and
    interpolates linearly between them.  Such a waveform has the low-frequency power
    spectral density ``NA^2 NT`` (two-sided), so it stands for white noise of intensity
    ``sigma = NA sqrt(NT)``: this class writes ``NA = sigma / sqrt(dt)``
    (:mod:`lifspice.analysis.theory.noise` has the convention).  It is white only well below
    ``1/dt``: keep ``dt`` far below the membrane time constant (the finite correlation time
    lowers the rate by ~1-1.5 % at ``dt = tau_m / 400``, 2-3 % at ``tau_m / 200``;
    :mod:`lifspice.flows.noise`).  ngspice sets a breakpoint at every sample, so the transient
    takes ~6 steps per ``dt``.

    ngspice 39 (Debian build) does not make the draws reproducible: neither
    ``.option seed``, ``set rndseed`` in ``.spiceinit`` nor ``setseed`` fixes them
    (measured).  For a reproducible realisation use :func:`noise_pwl`.

    :meth:`pwl` and :meth:`at` give the mean current only: the noise is not known to Python.
    """

    i: float
    sigma: float
    dt: float

    def __post_init__(self):
        check_finite("NoisyDC", i=self.i, sigma=self.sigma, dt=self.dt)
        if self.sigma < 0 or not self.dt > 0:
            raise ParameterError("NoisyDC needs sigma >= 0 A s^0.5 and dt > 0 s")

    @property
    def rms(self) -> float:
        """rms of the ngspice samples ``NA = sigma / sqrt(dt)``, A."""
        return self.sigma / float(np.sqrt(self.dt))

    def spice_value(self) -> str:
        n = spice_number
        return f"DC {n(self.i)} TRNOISE({n(self.rms)} {n(self.dt)} 0 0)"

    def pwl(self, t_stop):
        return np.array([0.0, t_stop]), np.array([self.i, self.i])

    def at(self, t):
        return np.full(np.shape(t), self.i, dtype=float)


def noise_pwl(i: float, sigma: float, dt: float, t_stop: float,
              rng: np.random.Generator | int | None = None) -> Pwl:
    """A reproducible realisation of :class:`NoisyDC`: the same statistics as ngspice's
    ``trnoise`` (samples of rms ``sigma/sqrt(dt)`` every ``dt``, linear in between, the
    first sample 0 as ngspice's), drawn by numpy from ``rng`` (a Generator or a seed).

    The result is an ordinary :class:`Pwl` (``DC`` + ``PWL`` text, exact ``pwl()`` for the
    event-exact simulators); meant for runs of up to ~10^4 samples.
    """
    check_finite("noise_pwl", i=i, sigma=sigma, dt=dt, t_stop=t_stop)
    if sigma < 0 or not dt > 0 or not t_stop > 0:
        raise ParameterError("noise_pwl needs sigma >= 0 A s^0.5, dt > 0 s and t_stop > 0 s")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    n = int(np.ceil(t_stop / dt)) + 1
    samples = gen.standard_normal(n) * (sigma / np.sqrt(dt))
    samples[0] = 0.0
    times = np.arange(n) * dt
    return Pwl(tuple(float(t) for t in times), tuple(float(i + s) for s in samples))

"""Noisy firing in SPICE against diffusion theory: rate and ISI CV vs mean input and noise.

Each operating point ``(mu, sigma)`` (A, A s^(1/2); convention in
:mod:`lifspice.analysis.theory.noise`) is simulated as a few independent transients of the
neuron driven by :class:`~lifspice.circuits.stimulus.NoisyDC` (ngspice ``trnoise``), each
starting at ``v_reset``; the ISIs between its spikes (the interval before the first spike is
dropped: it has no refractory hold) are pooled.  The neuron with white noise and a full
reset is a renewal process, so the ISIs are independent and

* the rate ``1 / mean ISI`` has relative standard error ``CV / sqrt(n)``;
* the CV has the delta-method standard error of :func:`~lifspice.flows.noise.cv_standard_error`.

Transient noise in ngspice
--------------------------
ngspice adds noise to a transient **only through ``trnoise`` / ``trrandom`` sources** in the
netlist.  Device noise (MOSFET thermal and flicker noise, resistor thermal noise) exists only in
the small-signal ``.noise`` analysis; a transient of the sky130 neuron is noiseless unless a source
is added.  To model the transistors' noise in a transient, estimate its input-referred current
density (from ``.noise``) and feed it in as a ``NoisyDC``; that is what
:func:`~lifspice.flows.noise.noise_fi` does for the input current.

``trnoise(NA NT 0 0)`` draws independent Gaussian samples of rms ``NA`` every ``NT`` s and
interpolates linearly between them (the first sample is 0).  The waveform's spectrum is ``NA^2 NT
sinc^4(f NT)``: white, of intensity ``sigma^2 = NA^2 NT``, well below ``1/NT``.
:func:`~lifspice.flows.noise.trnoise_check` measures these facts in ngspice.  The finite
correlation time lowers the firing rate (a colored-noise effect, Brunel & Sergi 1998, Fourcaud &
Brunel 2002): by ~3-5 % at ``NT = tau_m/200`` and ~1-1.5 % at ``tau_m/400`` for the operating
points of the tests; the default ``NT`` is ``tau_m / 400``.  ngspice puts a breakpoint at every
sample, so a run costs ~6 time points per ``NT``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lifspice.analysis import events
from lifspice.analysis import theory as tn
from lifspice.circuits.netlist import assemble, spice_number
from lifspice.circuits.params import LifParams, SaturatingLifParams
from lifspice.circuits.stimulus import NoisyDC

NT_PER_TAU = 400  # default noise sample interval: tau_m / 400


def cv_standard_error(isis: np.ndarray) -> float:
    """Delta-method standard error of the sample CV of independent intervals.

    With mean m, variance s^2, third and fourth central moments mu3, mu4:
    ``Var(CV) ~ [(mu4 - s^4) / (4 s^2 m^2) + s^4 / m^4 - mu3 / m^3] / n``.
    """
    x = np.asarray(isis, dtype=float)
    n = x.size
    if n < 4:
        return math.nan
    m = x.mean()
    d = x - m
    s2 = np.mean(d**2)
    mu3, mu4 = np.mean(d**3), np.mean(d**4)
    var = ((mu4 - s2**2) / (4 * s2 * m**2) + s2**2 / m**4 - mu3 / m**3) / n
    return float(math.sqrt(max(var, 0.0)))


@dataclass(frozen=True)
class NoisyPoint:
    """One operating point: what SPICE showed and what theory predicts.

    ``rate``/``cv`` are measured (Hz, -), with standard errors; ``theory_rate``/``theory_cv``
    are Siegert's for the reference LIF.  ``isis`` (s) are pooled over ``runs`` transients
    of ``t_stop`` s each; ``dt_noise`` is the ``trnoise`` sample interval, s.
    """

    mu: float
    sigma: float
    isis: np.ndarray
    theory_rate: float
    theory_cv: float
    runs: int
    t_stop: float
    dt_noise: float

    @property
    def n(self) -> int:
        return int(self.isis.size)

    @property
    def rate(self) -> float:
        return 1.0 / float(np.mean(self.isis)) if self.n else 0.0

    @property
    def cv(self) -> float:
        return float(np.std(self.isis, ddof=1) / np.mean(self.isis)) if self.n > 1 else math.nan

    @property
    def rate_se(self) -> float:
        """Standard error of ``rate``, Hz: ``rate CV / sqrt(n)``."""
        return self.rate * self.cv / math.sqrt(self.n) if self.n > 1 else math.nan

    @property
    def cv_se(self) -> float:
        return cv_standard_error(self.isis)

    def as_dict(self) -> dict[str, float]:
        return {"mu_A": self.mu, "sigma_A_sqrt_s": self.sigma, "n_isi": self.n,
                "rate_Hz": self.rate, "rate_se_Hz": self.rate_se,
                "theory_rate_Hz": self.theory_rate, "cv": self.cv, "cv_se": self.cv_se,
                "theory_cv": self.theory_cv, "runs": self.runs, "t_stop_s": self.t_stop,
                "dt_noise_s": self.dt_noise}


def _is_saturating(p) -> bool:
    """A leak whose linear range is within 5x the swing: the linear-leak theory is off."""
    return isinstance(p, SaturatingLifParams) and p.v_lin < 5.0 * p.swing


def theory_isi(p, mu: float, sigma: float) -> float:
    """Mean ISI (s): Siegert for the linear leak, the first-passage quadrature
    (:func:`~lifspice.analysis.theory.noise.isi_siegert_saturating`) for a saturating one."""
    if _is_saturating(p):
        return tn.isi_siegert_saturating(p, mu, sigma)
    return float(tn.isi_siegert(p, mu, sigma))


def run_length(p: LifParams, mu: float, sigma: float, n_isi: int, runs: int = 1) -> float:
    """Transient length (s) giving about ``n_isi`` ISIs in total over ``runs`` runs: the
    theory's mean ISI times ``n_isi / runs + 1`` (the first interval is dropped) plus 10 %."""
    t = theory_isi(p, mu, sigma)
    if not math.isfinite(t):
        raise ValueError(f"the neuron (almost) never fires at mu={mu!r} A, sigma={sigma!r}")
    return 1.1 * t * (n_isi / runs + 1)


def noisy_run(sim, job: tuple) -> np.ndarray:
    """One noisy transient; ``job = (bench, stim, t_stop)``. Returns its ISIs, s (pool worker).
    """
    bench, stim, t_stop = job
    pr = bench.probes
    v0 = bench.guess().v_reset
    res = sim.run(bench.transient(stim, t_stop=t_stop, max_step=stim.dt, v_mem0=v0),
                  vectors=[pr.mem, pr.spike] if pr.spike else [pr.mem])
    spikes = events.spike_times(pr, res.time, res)
    return np.diff(spikes)


def noise_points(
    bench,
    points: Sequence[tuple[float, float, int]],
    *,
    runs: int = 2,
    theory: LifParams | None = None,
    dt_noise: float | None = None,
    sim=None,
    pool=None,
    progress: Callable[[int, int], None] | None = None,
) -> list[NoisyPoint]:
    """Rate and ISI CV of the circuit at each ``(mu, sigma, n_isi)`` of ``points``.

    Parameters
    ----------
    bench
        A bench (:func:`lifspice.circuits.kinds.make_bench`).
    points : sequence of (float, float, int)
        Mean input (A), noise intensity (A s^(1/2)) and the number of ISIs wanted (the runs
        are sized from the Siegert mean ISI).
    runs : int
        Independent transients per point (they run in parallel on ``pool``).
    theory : LifParams or SaturatingLifParams, optional
        The LIF to compare with; default the bench's design (``bench.guess()``).  A leak
        that saturates inside 5x the swing is compared with the saturating first-passage
        rate (its ``theory_cv`` is NaN: no CV formula); otherwise with Siegert's rate and
        CV for the ideal LIF.
    dt_noise : float, optional
        ``trnoise`` sample interval, s; default ``tau_m / 400``.
    sim, pool
        A simulator, or a :class:`~lifspice.sim.pool.SimPool` to run on.
    """
    p = theory if theory is not None else bench.guess()
    if not _is_saturating(p) and isinstance(p, SaturatingLifParams):
        p = p.ideal()
    dt = dt_noise if dt_noise is not None else p.tau_m / NT_PER_TAU
    jobs, owner, lengths = [], [], []
    for k, (m, s, n_isi) in enumerate(points):
        t_stop = run_length(p, m, s, int(n_isi), runs)
        lengths.append(t_stop)
        for _ in range(runs):
            jobs.append((bench, NoisyDC(float(m), float(s), dt), t_stop))
            owner.append(k)
    out: list[list[np.ndarray]] = [[] for _ in points]
    if pool is not None:
        for done, (j, isis) in enumerate(pool.as_completed(noisy_run, jobs), 1):
            out[owner[j]].append(isis)
            if progress:
                progress(done, len(jobs))
    else:
        for j, job in enumerate(jobs):
            out[owner[j]].append(noisy_run(sim, job))
            if progress:
                progress(j + 1, len(jobs))
    result = []
    for k, (m, s, _) in enumerate(points):
        result.append(NoisyPoint(
            mu=float(m), sigma=float(s),
            isis=np.concatenate(out[k]) if out[k] else np.zeros(0),
            theory_rate=1.0 / theory_isi(p, m, s),
            theory_cv=math.nan if _is_saturating(p) else float(tn.cv_siegert(p, m, s)),
            runs=runs, t_stop=lengths[k], dt_noise=dt))
    return result


def noise_fi(bench, mus: Sequence[float], sigmas: Sequence[float], *, n_isi: int = 300,
             **kwargs) -> list[NoisyPoint]:
    """:func:`noise_points` on the grid ``mus x sigmas`` (A, A s^(1/2)), sigma-major."""
    return noise_points(bench, [(m, s, n_isi) for s in sigmas for m in mus], **kwargs)


def summary_rows(points: Sequence[NoisyPoint]) -> list[dict[str, float]]:
    """Plain-number table of the points (for CSV/JSON)."""
    return [pt.as_dict() for pt in points]


def write_points_csv(points: Sequence[NoisyPoint], path) -> None:
    """One row per point: mu, sigma, n_isi, rate and CV with standard errors and theory."""

    rows = summary_rows(points)
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["mu_A"])
        w.writeheader()
        for r in rows:
            w.writerow({k: repr(float(v)) for k, v in r.items()})


# ------------------------------------------------------------------- trnoise semantics


@dataclass(frozen=True)
class TrnoiseCheck:
    """What ngspice's ``trnoise`` did, against the mapping ``sigma = NA sqrt(NT)``.

    Attributes
    ----------
    sample_rms : float
        rms of the waveform at the sample instants ``k NT``, A (expect ``NA``).
    lag1 : float
        Correlation of consecutive samples (expect 0: independent draws).
    midpoint_error : float
        Largest deviation, relative to ``NA``, of the waveform half-way between samples from
        the mean of its neighbours (expect ~0: linear interpolation).
    sigma_from_charge : float
        ``sqrt(Var(Q_W) / W)`` from the charge the source delivers in windows of ``W`` (many
        samples), A s^(1/2) (expect ``sigma``).
    n : int
        Samples.
    """

    na: float
    nt: float
    sigma: float
    sample_rms: float
    lag1: float
    midpoint_error: float
    sigma_from_charge: float
    n: int


def trnoise_netlist(stim: NoisyDC, n_samples: int) -> str:
    """The noise source alone into 1 ohm, ``n_samples`` sample intervals long; ``v(n)`` is
    the current in A.  Pure text."""
    s = spice_number
    t_stop = n_samples * stim.dt
    body = [f"Inz 0 n {stim.spice_value()}", "Rl n 0 1",
            f".tran {s(stim.dt / 2)} {s(t_stop)} 0 {s(stim.dt / 2)}"]
    return assemble("lifspice trnoise check", body)


def trnoise_check(sim, sigma: float = 1e-12, dt: float = 1e-5, n_samples: int = 20000,
                  window: int = 50) -> TrnoiseCheck:
    """Run :func:`trnoise_netlist` and measure the source's statistics (see the class)."""
    stim = NoisyDC(0.0, sigma, dt)
    res = sim.run(trnoise_netlist(stim, n_samples), vectors=["v(n)"])
    t, x = res.time, res["v(n)"]
    tk = np.arange(1, n_samples) * dt
    xs = np.interp(tk, t, x)
    mid = np.interp(tk[:-1] + dt / 2, t, x)
    mid_err = float(np.max(np.abs(mid - 0.5 * (xs[:-1] + xs[1:]))) / stim.rms)
    lag1 = float(np.corrcoef(xs[:-1], xs[1:])[0, 1])
    # exact charge over whole sample intervals of a linear interpolant: trapezoid rule
    q = np.concatenate([[0.0], np.cumsum(0.5 * (xs[:-1] + xs[1:]) * dt)])
    qw = q[window::window] - q[:-window:window][: q[window::window].size]
    sig_q = float(np.sqrt(np.var(qw) / (window * dt)))
    return TrnoiseCheck(na=stim.rms, nt=dt, sigma=sigma, sample_rms=float(np.sqrt(np.mean(xs**2))),
                        lag1=lag1, midpoint_error=mid_err, sigma_from_charge=sig_q,
                        n=int(xs.size))

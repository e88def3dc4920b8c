"""What mismatch does to a neural code: a bank of N silicon LIF neurons encodes a stimulus,
a linear decoder reads it back.

Setting
-------
Every neuron of the bank receives the same input current, ``i(s) = i_rh (lo + (hi - lo)
s)`` for a stimulus ``s`` in [0, 1] (``i_rh``: the nominal neuron's rheobase). A **rate
code** counts each neuron's spikes in a window ``T`` (a regular train with a random phase:
``floor(f T + U)``, ``U`` uniform in [0, 1)); a **time-to-first-spike code** reads each
neuron's first spike time after the input is switched on with the membrane at
``v_reset``, quantised to a resolution, as ``1 / t_first``. The decoder is linear least
squares on those features and a constant, trained on one half of the stimuli and tested
on the other; the error is the RMS of ``s_hat - s`` on the test half (the stimulus range
is 1).

Three populations are compared: **silicon** (neurons drawn from a Monte Carlo, the decoder
trained on them: a calibrated chip), **ideal** (N identical nominal neurons) and
**uncalibrated** (the silicon bank read by the decoder trained on the ideal one: a decoder
designed from the schematic).

Area and energy
---------------
:func:`scale_population` resizes a population: every neuron's C and g scaled by the area
ratio ``a`` (tau_m kept) and its deviation from the population mean by ``1/sqrt(a)``
(Pelgrom: mismatch falls as one over the square root of the area). The area of a neuron
is taken as its membrane capacitor's, ``C / cap_density``, the energy of a spike as the
charge the membrane takes from the supply, ``C (v_th - v_reset) v_dd`` (a lower bound:
comparator and reset add to it); both from the PDK's
:class:`~lifspice.pdk.process.Process` (``pdk``: its MIM density and supply; sky130
2e-3 F/m^2 and 1.8 V, gf180mcu 1.99e-3 F/m^2 and 3.3 V) unless given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lifspice.analysis.population import Population
from lifspice.pdk.registry import get_pdk


@dataclass(frozen=True, kw_only=True)
class CodingSetup:
    """The stimulus, the input range and the read-out (module docstring).

    Attributes
    ----------
    n_stimuli : int
        Stimuli drawn uniformly in [0, 1]; half train the decoder, half test it.
    lo, hi : float
        Input current at s = 0 and s = 1, in multiples of the nominal rheobase.
    window : float
        Counting window of the rate code, s.
    t_resolution : float
        Time resolution of the first-spike code, s.
    """

    n_stimuli: int = 2000
    lo: float = 1.5
    hi: float = 4.0
    window: float = 0.2
    t_resolution: float = 1e-4


def lif_rates(pop: Population, currents) -> np.ndarray:
    """Ideal-LIF rates of every neuron at every current, shape ``(len(currents), n)``, Hz:
    one over t_ref plus the climb of :func:`first_spike_times` (0 below rheobase)."""
    t = first_spike_times(pop, currents)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(t), 1.0 / (pop.t_ref + t), 0.0)


def first_spike_times(pop: Population, currents) -> np.ndarray:
    """Time from ``v_reset`` to the first spike at each current, s (inf below rheobase)."""
    i = np.asarray(currents, float)[:, None]
    u_th = pop.g_leak * (pop.v_th - pop.v_rest)
    u_reset = pop.g_leak * (pop.v_reset - pop.v_rest)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = pop.tau_m * np.log((i - u_reset) / (i - u_th))
    return np.where(i > u_th, t, np.inf)


def identical(pop: Population, nominal: Population, n: int) -> Population:
    """``n`` copies of the first neuron of ``nominal`` (metadata from ``pop``)."""
    k = np.zeros(n, int)
    return replace(nominal, **{key: getattr(nominal, key)[k] for key in
                               ("c_mem", "g_leak", "v_rest", "v_th", "v_reset", "t_ref")},
                   i_b=None, rates_Hz=np.zeros((n, 0)), currents_A=np.zeros(0),
                   fit_rms_rel_error=None, sample=None, meta=dict(pop.meta))


def draw_like(pop: Population, n: int, rng: np.random.Generator,
              area_ratio: float = 1.0, center: Population | None = None) -> Population:
    """``n`` neurons drawn from a Gaussian with the population's covariance of (log C,
    log g, v_rest, v_th, v_reset, log t_ref) (log where a quantity is > 0) about its mean,
    or about ``center``'s first neuron (the nominal neuron: mismatch has zero mean): a bank
    larger than the Monte Carlo, with its spreads and correlations; at ``area_ratio`` times
    the area the deviations are over ``sqrt(area_ratio)`` and C, g times the ratio."""
    logs = (True, True, False, False, False, bool(np.all(pop.t_ref > 0)))
    keys = ("c_mem", "g_leak", "v_rest", "v_th", "v_reset", "t_ref")
    logs = logs if center is None else logs[:5] + (logs[5] and bool(center.t_ref[0] > 0),)
    x = np.column_stack([np.log(getattr(pop, k)) if lg else getattr(pop, k)
                         for k, lg in zip(keys, logs, strict=True)])
    mean = x.mean(axis=0)
    if center is not None:
        mean = np.array([np.log(getattr(center, k)[0]) if lg else getattr(center, k)[0]
                         for k, lg in zip(keys, logs, strict=True)])
    cov = np.cov(x, rowvar=False) if pop.n > 1 else np.zeros((6, 6))
    y = rng.multivariate_normal(mean, cov / float(area_ratio), size=n, method="eigh")
    y[:, :2] += np.log(float(area_ratio))
    cols = {k: (np.exp(y[:, j]) if lg else y[:, j])
            for j, (k, lg) in enumerate(zip(keys, logs, strict=True))}
    cols["t_ref"] = np.maximum(cols["t_ref"], 0.0)
    return Population(**cols, meta={**dict(pop.meta), "drawn_like": pop.n})


def scale_population(pop: Population, area_ratio: float) -> Population:
    """The population at ``area_ratio`` times the area: C, g (and i_b) times the ratio,
    deviations from the mean over ``sqrt(area_ratio)`` (module docstring)."""
    a = float(area_ratio)
    if not a > 0:
        raise ValueError(f"area_ratio must be > 0, got {area_ratio!r}")
    shrink = 1.0 / np.sqrt(a)

    def rel(x):  # relative deviation scaled about the (geometric) mean
        m = np.exp(np.mean(np.log(x)))
        return m * (x / m) ** shrink

    def lin(x):
        return x.mean() + (x - x.mean()) * shrink

    t_ref = rel(pop.t_ref) if np.all(pop.t_ref > 0) else lin(pop.t_ref)
    return replace(pop, c_mem=a * rel(pop.c_mem), g_leak=a * rel(pop.g_leak),
                   v_rest=lin(pop.v_rest), v_th=lin(pop.v_th), v_reset=lin(pop.v_reset),
                   t_ref=np.maximum(t_ref, 0.0), i_b=None if pop.i_b is None else a * pop.i_b,
                   rates_Hz=np.zeros((pop.n, 0)), currents_A=np.zeros(0))


def _features(pop: Population, currents, code: str, setup: CodingSetup,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(features with a constant column, spikes per stimulus) of one code."""
    if code == "rate":
        counts = np.floor(lif_rates(pop, currents) * setup.window
                          + rng.random((len(currents), pop.n)))
        return np.column_stack([counts, np.ones(len(currents))]), counts.sum(axis=1)
    if code == "ttfs":
        t = first_spike_times(pop, currents)
        t = np.maximum(np.round(t / setup.t_resolution), 1.0) * setup.t_resolution
        feats = np.where(np.isfinite(t), 1.0 / t, 0.0)
        return np.column_stack([feats, np.ones(len(currents))]), np.full(len(currents), pop.n)
    raise ValueError(f"code must be 'rate' or 'ttfs', got {code!r}")


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x ** 2)))


@dataclass(frozen=True)
class CodingResult:
    """Decoding errors (RMS, stimulus range 1) and costs of one bank.

    Attributes
    ----------
    n : int
        Neurons in the bank.
    area_ratio : float
        Area relative to the Monte Carlo's design.
    code : str
        ``"rate"`` or ``"ttfs"``.
    error_silicon, error_ideal, error_uncalibrated : float
        RMS test errors (module docstring).
    energy_J : float
        Mean energy per stimulus of the silicon bank, J.
    area_m2 : float
        Capacitor area of the bank, m^2.
    """

    n: int
    area_ratio: float
    code: str
    error_silicon: float
    error_ideal: float
    error_uncalibrated: float
    energy_J: float
    area_m2: float


def decode_bank(silicon: Population, ideal: Population, *, code: str = "rate",
                setup: CodingSetup = CodingSetup(), area_ratio: float = 1.0,
                rng: np.random.Generator | int = 0, pdk: str = "sky130",
                cap_density: float | None = None, v_dd: float | None = None) -> CodingResult:
    """Decode the stimulus from a silicon bank and an ideal bank of the same size.

    ``ideal`` sets the input scale (its first neuron's rheobase) and is the reference the
    uncalibrated decoder is trained on. ``cap_density`` (F/m^2) and ``v_dd`` (V) default to
    ``pdk``'s MIM density and supply (module docstring).
    """
    process = get_pdk(pdk).process
    cap_density = process.mim_ca if cap_density is None else cap_density
    v_dd = process.vdd if v_dd is None else v_dd
    rng = np.random.default_rng(rng)
    s = rng.random(setup.n_stimuli)
    train = np.zeros(s.size, bool)
    train[rng.permutation(s.size)[: s.size // 2]] = True
    i = ideal.rheobase[0] * (setup.lo + (setup.hi - setup.lo) * s)
    x_si, spikes = _features(silicon, i, code, setup, rng)
    x_id, _ = _features(ideal, i, code, setup, rng)
    w_si = np.linalg.lstsq(x_si[train], s[train], rcond=None)[0]
    w_id = np.linalg.lstsq(x_id[train], s[train], rcond=None)[0]
    test = ~train
    e_spike = silicon.c_mem * (silicon.v_th - silicon.v_reset) * v_dd
    per_stim = spikes[test].mean() * e_spike.mean()
    return CodingResult(
        n=silicon.n, area_ratio=float(area_ratio), code=code,
        error_silicon=_rms(x_si[test] @ w_si - s[test]),
        error_ideal=_rms(x_id[test] @ w_id - s[test]),
        error_uncalibrated=_rms(x_si[test] @ w_id - s[test]),
        energy_J=float(per_stim), area_m2=float(silicon.c_mem.sum() / cap_density))


def coding_sweep(pop: Population, nominal: Population, *, sizes=(1, 4, 16, 64),
                 area_ratios=(0.25, 1.0, 4.0, 16.0), code: str = "rate",
                 setup: CodingSetup = CodingSetup(), seed: int = 0,
                 repeats: int = 4, pdk: str = "sky130") -> list[CodingResult]:
    """:func:`decode_bank` over bank sizes and areas, each the mean of ``repeats`` banks
    drawn from ``pop`` (:func:`draw_like`) with their own stimuli and phases; energy and
    area on ``pdk``.

    Parameters
    ----------
    pop : lifspice.analysis.population.Population
        The Monte Carlo's neurons (their spreads and correlations are drawn from).
    nominal : lifspice.analysis.population.Population
        The nominal neuron (its first neuron), measured as the samples were (e.g. a Monte
        Carlo folder's ``nominal.json``): the centre of the draws and the ideal bank's
        neuron; scaled with the area as the bank is.
    """
    rng = np.random.default_rng(seed)
    out = []
    for a in area_ratios:
        ideal_1 = scale_population(nominal, a)
        for n in sizes:
            runs = []
            for _ in range(repeats):
                silicon = draw_like(pop, n, rng, area_ratio=a, center=nominal)
                runs.append(decode_bank(silicon, identical(silicon, ideal_1, n), code=code,
                                        setup=setup, area_ratio=a, rng=rng, pdk=pdk))
            out.append(CodingResult(
                n=n, area_ratio=float(a), code=code,
                **{k: float(np.mean([getattr(r, k) for r in runs])) for k in
                   ("error_silicon", "error_ideal", "error_uncalibrated", "energy_J",
                    "area_m2")}))
    return out

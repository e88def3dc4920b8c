"""A population of LIF neurons as per-neuron arrays: one neuron per Monte Carlo sample.

:class:`Population` holds what a network simulator needs of each neuron (SI arrays of one
length) and what the kit knows beside it (the measured rates at the sweep's currents, the
fit error, the design's name and conditions). :func:`population_from_rows` builds one from
the rows of a Monte Carlo ``samples.csv`` (pure: rows in, arrays out).

Which parameters
----------------
``params="fit"`` (default) takes each sample's ideal LIF fitted to its own short F-I curve
(``fit_tau_m_s``, ``fit_g_leak_S``, ``fit_t_ref_s``; C is the value the fit held, so
``c_mem = fit_g_leak_S * fit_tau_m_s``) with the sample's measured ``v_th_V``,
``v_reset_V`` and ``v_rest_V`` (the design's ``v_rest`` where the kind does not measure
it): that neuron reproduces the sample's measured rates within ``fit_rms_rel_error``.
``params="measured"`` takes the measured ``tau_m_s``, g (``gm_S``, else the drawn
``drawn_g_leak_S``) and ``t_ref_s``; with a design whose leak saturates each neuron then
gets a saturation current ``i_b`` (the leak ``i_b tanh(g (v_rest - v) / i_b)``): ``g v_lin``
for a behavioral ``v_lin`` key, the design's OTA tail current ``i_b`` for a transistor-level
design (the same for every neuron). The fitted ideal LIF needs none: it reproduces the
sample's rates with an effective tau_m.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from lifspice.circuits.params import LifParams

ARRAY_KEYS = ("c_mem", "g_leak", "v_rest", "v_th", "v_reset", "t_ref")


class PopulationError(ValueError):
    """The rows cannot be turned into a population; the message names what is missing."""


@dataclass(frozen=True)
class Population:
    """Per-neuron LIF parameters (SI arrays of length ``n``) and what the kit knows beside.

    Attributes
    ----------
    c_mem, g_leak, v_rest, v_th, v_reset, t_ref : numpy.ndarray
        F, S, V, V, V, s.
    i_b : numpy.ndarray or None
        Saturation current of a saturating leak, A (None: a linear leak).
    currents_A : numpy.ndarray
        The Monte Carlo's input currents, A (may be empty).
    rates_Hz : numpy.ndarray
        Measured rates, shape ``(n, len(currents_A))``, Hz.
    fit_rms_rel_error : numpy.ndarray
        Each neuron's RMS relative rate error of its fit (NaN where unknown).
    sample : numpy.ndarray
        The Monte Carlo sample index of each neuron.
    meta : dict
        Design name, circuit kind, corner, temperature, seed, parameter source.
    """

    c_mem: np.ndarray
    g_leak: np.ndarray
    v_rest: np.ndarray
    v_th: np.ndarray
    v_reset: np.ndarray
    t_ref: np.ndarray
    i_b: np.ndarray | None = None
    currents_A: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rates_Hz: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    fit_rms_rel_error: np.ndarray | None = None
    sample: np.ndarray | None = None
    meta: Mapping = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = np.asarray(self.c_mem).size
        for key in ARRAY_KEYS:
            arr = np.atleast_1d(np.asarray(getattr(self, key), dtype=float))
            if arr.shape != (n,) or not np.all(np.isfinite(arr)):
                raise PopulationError(f"{key}: {n} finite values wanted, got {arr!r}")
            object.__setattr__(self, key, arr)
        if n == 0:
            raise PopulationError("an empty population")
        if np.any(self.c_mem <= 0) or np.any(self.g_leak <= 0) or np.any(self.t_ref < 0):
            raise PopulationError("c_mem and g_leak must be > 0 and t_ref >= 0")

    @property
    def n(self) -> int:
        """Number of neurons."""
        return int(self.c_mem.size)

    @property
    def tau_m(self) -> np.ndarray:
        """Membrane time constants C / g, s."""
        return self.c_mem / self.g_leak

    @property
    def rheobase(self) -> np.ndarray:
        """Ideal-LIF rheobase g (v_th - v_rest) of each neuron (clipped at 0), A."""
        return np.maximum(self.g_leak * (self.v_th - self.v_rest), 0.0)

    def neuron(self, k: int) -> LifParams:
        """Neuron ``k`` as :class:`~lifspice.circuits.params.LifParams`."""
        return LifParams(**{key: float(getattr(self, key)[k]) for key in ARRAY_KEYS})

    def arrays(self) -> dict[str, list[float]]:
        """The parameters as lists of floats by key (and ``i_b`` when saturating)."""
        out = {key: getattr(self, key).tolist() for key in ARRAY_KEYS}
        if self.i_b is not None:
            out["i_b"] = np.asarray(self.i_b, float).tolist()
        return out


def population_from_params(neurons: Sequence[LifParams], meta: Mapping | None = None,
                           ) -> Population:
    """A population of the given neurons (no measured rates)."""
    return Population(**{k: np.array([getattr(p, k) for p in neurons]) for k in ARRAY_KEYS},
                      i_b=(np.array([p.i_b for p in neurons])
                           if neurons and all(hasattr(p, "i_b") for p in neurons) else None),
                      meta=dict(meta or {}))


def _float(value) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return math.nan
    return x if math.isfinite(x) else math.nan


def _col(rows: Sequence[Mapping], names: Sequence[str]) -> np.ndarray | None:
    """The first of ``names`` that some row has, as floats (NaN where a row has no finite
    value), or None."""
    for name in names:
        if any(name in r for r in rows):
            return np.array([_float(r.get(name)) for r in rows], dtype=float)
    return None


def _rate_columns(rows: Sequence[Mapping], n_currents: int) -> np.ndarray:
    out = np.full((len(rows), n_currents), np.nan)
    for k in range(n_currents):
        col = _col(rows, [f"rate_Hz_i{k}"])
        if col is not None:
            out[:, k] = col
    return out


def _saturation_current(design: Mapping, g: np.ndarray) -> np.ndarray | None:
    """Per-neuron saturation current of the leak, A: ``g v_lin`` (behavioral ``v_lin``),
    the design's OTA tail current ``i_b`` (a transistor-level design; the same for every
    neuron, its mismatch is not measured per sample), or None (a linear leak)."""
    v_lin = design.get("v_lin")
    if v_lin is not None and math.isfinite(float(v_lin)):
        return g * float(v_lin)
    i_b = design.get("i_b")
    if i_b is not None and math.isfinite(float(i_b)) and float(i_b) > 0:
        return np.full(g.shape, float(i_b))
    return None


def population_from_rows(rows: Sequence[Mapping], design: Mapping, *,
                         currents_A: Sequence[float] = (), params: str = "fit",
                         meta: Mapping | None = None) -> Population:
    """A :class:`Population` from Monte Carlo sample rows (module docstring).

    Parameters
    ----------
    rows : sequence of mapping
        ``samples.csv`` rows (strings or numbers); rows with ``ok`` false, and rows
        missing a parameter (a fit that failed), are dropped (their count is
        ``meta["samples_without_parameters"]``).
    design : mapping
        The nominal design's keys (``v_rest``, and ``v_lin`` for a saturating leak).
    currents_A : sequence of float
        The sweep's currents, A (``rate_Hz_i<k>`` columns).
    params : {"fit", "measured"}
        Which parameters (module docstring).
    """
    def ok(r):
        text = str(r.get("ok", "1")).strip().lower()
        return text not in ("0", "false", "0.0", "")

    rows = [r for r in rows if ok(r)]
    if not rows:
        raise PopulationError("no successful samples (every row has ok = 0)")
    tau_names, g_names, tref_names = {
        "fit": (["fit_tau_m_s"], ["fit_g_leak_S"], ["fit_t_ref_s"]),
        "measured": (["tau_m_s"], ["gm_S", "drawn_g_leak_S"], ["t_ref_s"]),
    }.get(params, (None, None, None))
    if tau_names is None:
        raise PopulationError(f"params must be 'fit' or 'measured', got {params!r}")
    cols = {"tau": _col(rows, tau_names), "g": _col(rows, g_names),
            "t_ref": _col(rows, tref_names), "v_th": _col(rows, ["v_th_V"]),
            "v_reset": _col(rows, ["v_reset_V"])}
    missing = [tau_names[0] if k == "tau" else g_names[0] if k == "g" else
               tref_names[0] if k == "t_ref" else f"{k}_V" for k, v in cols.items() if v is None]
    if missing:
        hint = (" (a per-sample fit needs >= 3 currents: lifspice montecarlo --currents "
                "1.3x 2x 4x; or use --params measured)" if params == "fit" else "")
        raise PopulationError(f"the samples have no {', '.join(missing)} for every "
                              f"successful sample{hint}")
    v_rest = _col(rows, ["v_rest_V"])
    if v_rest is None:
        v_rest = np.full(len(rows), float(design["v_rest"]))
    sample = _col(rows, ["sample"])
    sample = np.arange(len(rows)) if sample is None else np.nan_to_num(sample, nan=-1)
    # a sample whose fit failed (too few firing currents) has no neuron to export
    usable = np.all(np.isfinite(np.column_stack([*cols.values(), v_rest])), axis=1)
    if not usable.any():
        raise PopulationError(f"no successful sample has every {params} parameter "
                              f"({', '.join(tau_names + g_names + tref_names)}, v_th_V, "
                              "v_reset_V)")
    g = cols["g"][usable]
    currents = np.asarray(currents_A, dtype=float)
    rms = _col(rows, ["fit_rms_rel_error"])
    return Population(
        c_mem=g * cols["tau"][usable], g_leak=g, v_rest=v_rest[usable],
        v_th=cols["v_th"][usable], v_reset=cols["v_reset"][usable],
        t_ref=np.maximum(cols["t_ref"][usable], 0.0),
        i_b=_saturation_current(design, g) if params == "measured" else None,
        currents_A=currents, rates_Hz=_rate_columns(rows, currents.size)[usable],
        fit_rms_rel_error=(rms if rms is not None else np.full(len(rows), np.nan))[usable],
        sample=sample[usable].astype(int),
        meta={"params": params, **dict(meta or {}),
              "samples_without_parameters": int(np.count_nonzero(~usable))})

"""Fit LIF parameters to measured F-I curves and membrane traces.

Least squares (:func:`scipy.optimize.least_squares`) of the closed-form / event-exact theory in
:mod:`~lifspice.analysis.theory` and :mod:`lifspice.analysis.theory.saturating`. Positive
parameters (c_mem, g_leak, i_b) are fitted in log space, voltages and t_ref linearly in scaled
units, so the problem is well scaled whatever the SI magnitudes.

Identifiability: an F-I curve depends only on tau_m = c_mem/g_leak, g_leak (v_th - v_rest), g_leak
(v_th - v_reset) and t_ref (plus i_b for the saturating leak). Scaling c_mem and g_leak by k and
the voltage offsets by 1/k leaves it unchanged, so c_mem, g_leak, v_th and v_reset cannot all be
free. The default free sets are identifiable given the voltages; a request that is not raises
:class:`~lifspice.analysis.fit.FitIdentifiabilityWarning` and reports ``inf`` standard errors.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from lifspice.analysis import theory as th
from lifspice.analysis.theory import saturating as ths
from lifspice.circuits.params import LifParams, ParameterError, SaturatingLifParams

__all__ = ["FitIdentifiabilityWarning", "LifFit", "fit_fi", "fit_trace"]

_LOG = frozenset({"c_mem", "g_leak", "i_b"})
_VOLTS = frozenset({"v_rest", "v_th", "v_reset"})
DEFAULT_FREE = {"ideal": ("c_mem", "g_leak", "t_ref"), "saturating": ("g_leak", "i_b", "t_ref")}
_RCOND = 1e-8  # singular values below this fraction of the largest: not identifiable
_MAX_COND = 1e6  # condition number of the scaled Jacobian above which we warn
_MAX_REL_STDERR = 1.0  # stderr in scaled units (log params: relative) above which we warn


class FitIdentifiabilityWarning(UserWarning):
    """The data do not determine some of the free parameters."""


@dataclass(frozen=True)
class LifFit:
    """Result of a LIF fit; always says ``success`` and ``message``.

    Attributes
    ----------
    params : LifParams or SaturatingLifParams
        Fitted parameters (fixed ones as given), SI units.
    stderr : Mapping[str, float]
        Standard error per parameter field, same units; 0 for fixed parameters, ``inf``
        for parameters the data do not determine.
    rms_rel_error : float
        F-I fits: RMS of ``(f_model - f)/f`` over points with ``f > 0``. Trace fits: RMS of
        ``(V_model - V) / (v_th - v_reset)`` over the fitted samples. NaN (``None`` in
        :meth:`to_dict`) when the fit is exactly determined or underdetermined (no more data
        points than free parameters): its residual is ~1e-14 by construction, not a measure.
    residuals : numpy.ndarray
        The residual vector minimised (one per data point for F-I fits), dimensionless.
    success : bool
        False also when the fit is exactly determined or underdetermined; ``message`` then
        starts with "exactly determined, no error estimate" (or "underdetermined, ...").
    message : str
    fitted : tuple of str
        Names of the free parameters.
    warnings : tuple of str
        Identifiability or conditioning problems found.
    """

    params: LifParams
    stderr: Mapping[str, float]
    rms_rel_error: float
    residuals: np.ndarray
    success: bool
    message: str
    fitted: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON-ready plain floats and lists (non-finite numbers become ``None``)."""

        def num(x):
            x = float(x)
            return x if math.isfinite(x) else None

        return {
            "model": "saturating" if isinstance(self.params, SaturatingLifParams) else "ideal",
            "params": self.params.as_dict(),
            "stderr": {k: num(v) for k, v in self.stderr.items()},
            "rms_rel_error": num(self.rms_rel_error),
            "residuals": [num(r) for r in np.ravel(self.residuals)],
            "success": bool(self.success),
            "message": str(self.message),
            "fitted": list(self.fitted),
            "warnings": list(self.warnings),
        }


def _prepare(model, initial, free, fixed) -> tuple[LifParams, tuple[str, ...]]:
    if model == "ideal":
        if isinstance(initial, SaturatingLifParams):
            initial = initial.ideal()
    elif model == "saturating":
        if not isinstance(initial, SaturatingLifParams):
            raise TypeError("model='saturating' needs SaturatingLifParams as initial")
    else:
        raise ValueError(f"model must be 'ideal' or 'saturating', got {model!r}")
    if not isinstance(initial, LifParams):
        raise TypeError(f"initial must be LifParams, got {type(initial).__name__}")
    names = {f.name for f in dataclasses.fields(initial)}
    free = tuple(DEFAULT_FREE[model] if free is None else free)
    fixed = dict(fixed or {})
    for n in (*free, *fixed):
        if n not in names:
            raise ValueError(f"unknown parameter {n!r} for model {model!r}; know {sorted(names)}")
    if len(set(free)) != len(free) or not free:
        raise ValueError(f"free must name distinct parameters, got {free!r}")
    if set(free) & set(fixed):
        raise ValueError(f"parameters both free and fixed: {sorted(set(free) & set(fixed))}")
    return dataclasses.replace(initial, **fixed), free


class _Transform:
    """x (dimensionless, O(1) steps) <-> parameter values."""

    def __init__(self, initial: LifParams, free: Sequence[str], t_scale: float):
        self.initial, self.free = initial, tuple(free)
        v_scale = max(abs(initial.v_th - initial.v_reset), 1e-3)
        self.ref = np.array([getattr(initial, n) for n in free], dtype=float)
        self.scale = np.array(
            [1.0 if n in _LOG else v_scale if n in _VOLTS else t_scale for n in free]
        )
        self.is_log = np.array([n in _LOG for n in free])
        lower = np.full(len(free), -np.inf)
        for k, n in enumerate(free):
            if n == "t_ref":
                lower[k] = -self.ref[k] / self.scale[k]  # t_ref >= 0
        self.bounds = (lower, np.full(len(free), np.inf))

    def values(self, x) -> np.ndarray:
        lin = self.ref + self.scale * x
        return np.where(self.is_log, self.ref * np.exp(np.where(self.is_log, x, 0.0)), lin)

    def params(self, x) -> LifParams:
        vals = self.values(x)
        kw = {n: float(v) for n, v in zip(self.free, vals, strict=True)}
        if "t_ref" in kw:
            kw["t_ref"] = max(kw["t_ref"], 0.0)
        return dataclasses.replace(self.initial, **kw)

    def stderr_values(self, x, sx) -> np.ndarray:
        # delta method: d value / d x is value for log parameters, scale for linear ones
        return np.where(self.is_log, self.values(x) * sx, self.scale * sx)


def _solve(residual: Callable[[LifParams], np.ndarray], initial, free, t_scale, n_obs=None):
    """Least squares in scaled x; stderr from the Jacobian; identifiability notes.

    ``n_obs`` is the number of informative residuals for the degrees of freedom (default:
    all of them).
    """
    tr = _Transform(initial, free, t_scale)
    r0 = residual(initial)
    m, n = r0.size, len(free)
    n_obs = m if n_obs is None else n_obs

    def fun(x):
        try:
            return residual(tr.params(x))
        except ParameterError:
            return np.full(m, 1e3)  # left the valid region (e.g. v_th <= v_reset): a wall

    res = least_squares(fun, np.zeros(n), jac="3-point", bounds=tr.bounds, x_scale=1.0,
                        method="trf", xtol=1e-12, ftol=1e-12, gtol=1e-12,
                        max_nfev=200 * (n + 1))
    params = tr.params(res.x)
    notes: list[str] = []
    _, sv, vt = np.linalg.svd(res.jac, full_matrices=False)
    dof = n_obs - n
    s2 = 2 * res.cost / dof if dof > 0 else math.nan
    if dof <= 0:
        notes.append(_undetermined(n_obs, n))
    keep = sv > _RCOND * sv[0] if sv[0] > 0 else np.zeros_like(sv, dtype=bool)
    cov_x = (vt[keep].T / sv[keep] ** 2) @ vt[keep] * s2
    sx = np.sqrt(np.abs(np.diag(cov_x)))
    # every parameter with a share in an unresolved direction is undetermined
    weight = np.sqrt(np.sum(vt[~keep] ** 2, axis=0))
    null = weight > 0.01 * weight.max() if weight.size and weight.max() > 0 else weight > 0
    sx[null] = np.inf
    if np.any(null):
        names = [f for f, z in zip(free, null, strict=True) if z]
        notes.append(
            f"parameters {', '.join(names)} are not separately identifiable from these data "
            "(singular Jacobian); fix some of them"
        )
    else:
        cond = sv[0] / sv[-1] if sv[-1] > 0 else math.inf
        if cond > _MAX_COND:
            notes.append(f"ill-conditioned fit (Jacobian condition number {cond:.2g})")
        loose = [f for f, s in zip(free, sx, strict=True) if s > _MAX_REL_STDERR]
        if loose:
            notes.append(f"parameters {', '.join(loose)} are poorly determined (stderr > value)")
    for note in notes:
        warnings.warn(note, FitIdentifiabilityWarning, stacklevel=3)
    se = dict.fromkeys((f.name for f in dataclasses.fields(params)), 0.0)
    se.update(zip(free, (float(s) for s in tr.stderr_values(res.x, sx)), strict=True))
    return params, se, res, tuple(notes)


def _undetermined(n_obs: int, n_free: int) -> str:
    """The note of a fit with no degrees of freedom left (it starts with "exactly
    determined" or "underdetermined")."""
    what = "exactly determined" if n_obs == n_free else "underdetermined"
    return (f"{what}, no error estimate: {n_obs} data point(s) for {n_free} free "
            "parameters; a fit through every point has nothing left to measure its error "
            "(give more points, e.g. F-I points above rheobase, or fix parameters)")


def _result(params, se, res, notes, free, rms: float, n_obs: int) -> LifFit:
    """The :class:`LifFit`: not a success, with its note as the message and no RMS error,
    when the free parameters use up every data point."""
    if n_obs <= len(free):
        return LifFit(params, se, math.nan, res.fun.copy(), False, _undetermined(n_obs, len(free)),
                      free, notes)
    return LifFit(params, se, rms, res.fun.copy(), bool(res.success), res.message, free, notes)


def _check_xy(x, y, xname, yname) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape or x.size == 0:
        raise ValueError(f"{xname} and {yname} must be equal-length 1-D arrays")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError(f"{xname} and {yname} must be finite")
    return x, y


def fit_fi(i, f, *, model: str = "ideal", initial: LifParams,
           free: Sequence[str] | None = None,
           fixed: Mapping[str, float] | None = None) -> LifFit:
    """Fit the LIF F-I curve to measured firing rates.

    Residuals are relative, ``(f_model - f)/f``, on points with ``f > 0``. Where the
    measurement is silent the residual is ``f_model / min(f > 0)``; where the model is silent
    but the measurement fires it is ``-1 - (rheobase_model - i) / span(i)``, continuing the
    relative residual (-1 at rheobase) with a slope that tells the optimiser which way to go.

    Parameters
    ----------
    i : array_like
        Input currents, A.
    f : array_like
        Measured rates, Hz (>= 0).
    model : {"ideal", "saturating"}
    initial : LifParams or SaturatingLifParams
        Starting point; also supplies the fixed parameters.
    free : sequence of str, optional
        Parameters to fit. Default ``("c_mem", "g_leak", "t_ref")`` (ideal) or
        ``("g_leak", "i_b", "t_ref")`` (saturating).
    fixed : mapping, optional
        Values (SI) that replace those of ``initial`` and are held fixed.

    Returns
    -------
    LifFit
    """
    i, f = _check_xy(i, f, "i", "f")
    if np.any(f < 0):
        raise ValueError("measured rates f must be >= 0 Hz")
    pos = f > 0
    if not np.any(pos):
        raise ValueError("no point with f > 0: nothing to fit")
    initial, free = _prepare(model, initial, free, fixed)
    if model == "ideal":
        rate_fn, rheo_fn = th.rate, th.rheobase
    else:
        rate_fn, rheo_fn = ths.rate_saturating, ths.rheobase_saturating
    f_ref = float(np.min(f[pos]))
    i_span = float(np.ptp(i)) or float(np.max(np.abs(i))) or 1e-12

    def model_residual(p):
        fm = np.asarray(rate_fn(p, i), dtype=float)
        r = np.empty_like(f)
        r[pos] = fm[pos] / f[pos] - 1.0
        silent = pos & (fm == 0)
        r[silent] = -1.0 - (rheo_fn(p) - i[silent]) / i_span
        r[~pos] = fm[~pos] / f_ref
        return r

    t_ref0 = initial.t_ref
    # silent points the model also leaves silent carry no information: not in the dof
    params, se, res, notes = _solve(
        model_residual, initial, free, t_ref0 or 0.1 / np.max(f), n_obs=int(np.sum(pos))
    )
    fm = np.asarray(rate_fn(params, i), dtype=float)
    rms = float(np.sqrt(np.mean((fm[pos] / f[pos] - 1.0) ** 2)))
    return _result(params, se, res, notes, free, rms, int(np.sum(pos)))


def _detect_resets(t, v, drop) -> np.ndarray:
    idx = np.nonzero(np.diff(v) < -drop)[0]
    return t[idx]


def fit_trace(t, v, i_pwl_t, i_pwl_i, *, model: str = "ideal", initial: LifParams,
              free: Sequence[str] = ("c_mem", "g_leak", "v_rest"),
              fixed: Mapping[str, float] | None = None, spikes=None,
              t_exclude: float | None = None) -> LifFit:
    """Fit the subthreshold membrane of a trace between spikes.

    The trace is cut into windows between spikes (dropping ``t_exclude`` after each spike:
    reset and refractory hold). In each window the model membrane, with no threshold, starts
    from the measured V at the window's first sample and is compared with the samples; the
    residuals are ``(V_model - V) / (v_th - v_reset)``. Threshold, reset and refractory time
    are not seen by this fit and must stay fixed (take them from spike extraction).

    Parameters
    ----------
    t, v : array_like
        Sample times (s, increasing) and membrane potential (V).
    i_pwl_t, i_pwl_i : array_like
        The input current as PWL: times (s) and currents (A).
    model : {"ideal", "saturating"}
    initial : LifParams or SaturatingLifParams
    free : sequence of str
        Subset of c_mem, g_leak, v_rest (and i_b for the saturating model).
    fixed : mapping, optional
        Values replacing those in ``initial``.
    spikes : array_like, optional
        Spike times, s. Default: samples after which V drops by more than half of
        ``v_th - v_reset`` (of ``initial``).
    t_exclude : float, optional
        Time after each spike left out of the fit, s; default ``t_ref`` plus two sample
        intervals.

    Returns
    -------
    LifFit
    """
    t, v = _check_xy(t, v, "t", "v")
    if np.any(np.diff(t) <= 0):
        raise ValueError("sample times t must increase")
    initial, free = _prepare(model, initial, free, fixed)
    bad = set(free) - {"c_mem", "g_leak", "v_rest", "i_b"}
    if bad:
        raise ValueError(
            f"fit_trace cannot fit {sorted(bad)}: the subthreshold trace does not "
            "depend on them; fix them from spike extraction"
        )
    swing = initial.v_th - initial.v_reset
    windows = _windows_between_spikes(t, v, initial, spikes, t_exclude)
    mem = th.membrane_pwl if model == "ideal" else ths.membrane_pwl_saturating
    used = np.concatenate([w[1:] for w in windows])

    def model_residual(p):
        out = []
        for w in windows:
            vm = mem(p, i_pwl_t, i_pwl_i, t[w[1:]], v0=float(v[w[0]]), t0=float(t[w[0]]))
            out.append((vm - v[w[1:]]) / swing)
        return np.concatenate(out)

    params, se, res, notes = _solve(model_residual, initial, free, max(initial.t_ref, 1e-9))
    rms = float(np.sqrt(np.mean(res.fun**2))) if used.size else math.nan
    return _result(params, se, res, notes, free, rms, int(used.size))


def _windows_between_spikes(t: np.ndarray, v: np.ndarray, initial: LifParams, spikes,
                            t_exclude: float | None) -> list[np.ndarray]:
    """Sample indices of each stretch between spikes (at least two samples), leaving out
    ``t_exclude`` (s; default t_ref + two samples) after each spike; spikes default to the
    samples after which V drops by more than half of ``v_th - v_reset``."""
    swing = initial.v_th - initial.v_reset
    if spikes is None:
        spikes = _detect_resets(t, v, 0.5 * swing)
    spikes = np.sort(np.asarray(spikes, dtype=float).reshape(-1))
    if t_exclude is None:
        t_exclude = initial.t_ref + 2 * float(np.median(np.diff(t))) if t.size > 1 else 0.0
    # window id per sample: samples in (spike, spike + t_exclude] are dropped (-1)
    win = np.searchsorted(spikes, t, side="left")
    after = np.zeros(t.shape, dtype=bool)
    for s in spikes:
        after |= (t > s) & (t <= s + t_exclude)
    win[after] = -1
    windows = [np.nonzero(win == w)[0] for w in np.unique(win[win >= 0])]
    windows = [w for w in windows if w.size >= 2]
    if not windows:
        raise ValueError("no stretch of at least two samples between spikes to fit")
    return windows

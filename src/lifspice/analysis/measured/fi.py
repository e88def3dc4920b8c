"""Fits of measured F-I curves with honest uncertainty.

An F-I curve determines four numbers of the textbook LIF and no more: ``tau_m``, the
rheobase ``g_leak (v_th - v_rest)``, the swing current ``g_leak (v_th - v_reset)`` and
``t_ref`` (``ISI = t_ref + tau_m ln((I - I_rh + I_sw) / (I - I_rh))``). The capacitance and
the conductance follow only through a threshold-to-reset swing taken from elsewhere (a trace,
the design), so they are reported as conditional on it. The fit is in those four
(identifiable) coordinates, on ``ln f`` (rate jitter is relative), weighted when the data
give ``f_std_Hz`` or ``n_spikes``; the residual variance is estimated from the fit (like
:func:`scipy.optimize.curve_fit` with ``absolute_sigma=False``), and the 95 % intervals are
Wald intervals with Student-t quantiles on the log scale of each positive quantity. The
saturating-leak LIF adds ``i_b`` (the OTA tail current); the choice between them is by AICc
(:func:`~lifspice.analysis.measured.choice.select_model`).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from lifspice.analysis import theory as th
from lifspice.analysis.fit import FitIdentifiabilityWarning, LifFit
from lifspice.analysis.measured.estimate import Estimate, wald_estimates
from lifspice.analysis.theory import saturating as ths
from lifspice.circuits.params import LifParams, ParameterError, SaturatingLifParams

__all__ = ["Estimate", "MeasuredFit", "fit_fi_measured"]  # Estimate: re-exported

DEFAULT_SWING = (1.0, 0.0)  # (v_th, v_reset) V assumed when nothing measured them
_REL_LOOSE = 0.5  # relative stderr above which a positive quantity is "poorly determined"


@dataclass(frozen=True)
class MeasuredFit:
    """A fitted F-I curve: the parameters, their uncertainties and the fit's quality.

    Attributes
    ----------
    model : {"ideal", "saturating"}
    params : LifParams or SaturatingLifParams
        Best fit, SI; the voltages v_th, v_reset are the ones given (see ``swing_assumed``).
    estimates : Mapping[str, Estimate]
        ``tau_m_s``, ``rheobase_A``, ``i_swing_A``, ``t_ref_s`` (what the F-I determines),
        ``c_mem_F``, ``g_leak_S``, ``v_rest_V`` (conditional on the swing), and for the
        saturating model ``i_b_A``, ``v_lin_V``.
    lif_fit : LifFit
        The same fit in the form of :func:`lifspice.analysis.fit.fit_fi` (``to_dict()`` is a
        ``report.json`` ``fit`` block).
    n_points, dof : int
        Firing points used and degrees of freedom left.
    rss : float
        Weighted residual sum of squares of ``ln f``.
    aicc, bic : float
        Information criteria (Gaussian likelihood of the weighted log residuals).
    swing_assumed : bool
        True when no v_th / v_reset was given and 1 V / 0 V were assumed.
    """

    model: str
    params: LifParams
    estimates: Mapping[str, Estimate]
    lif_fit: LifFit
    n_points: int
    dof: int
    rss: float
    aicc: float
    bic: float
    x: np.ndarray = field(repr=False)
    cov_x: np.ndarray = field(repr=False)
    swing_assumed: bool = False
    warnings: tuple[str, ...] = ()
    _scales: tuple[float, float] = (1.0, 1.0)  # (i_scale A, t_scale s) of x

    @property
    def success(self) -> bool:
        return self.lif_fit.success

    def rate(self, i) -> np.ndarray:
        """The fitted F-I curve at currents ``i`` (A), Hz."""
        return np.asarray(_rate_fn(self.model)(self.params, np.asarray(i, float)), float)

    def rate_stderr(self, i) -> np.ndarray:
        """Standard error of the fitted rate at currents ``i`` (A), Hz (delta method)."""
        i = np.atleast_1d(np.asarray(i, float))
        coords = _Coords(self.model, self.params.v_th, self.params.v_reset, 1.0, 1.0)
        coords.i_scale, coords.t_scale = self._scales
        grad = np.zeros((i.size, self.x.size))
        for k in range(self.x.size):
            h = 1e-6 * max(1.0, abs(self.x[k]))
            xp, xm = self.x.copy(), self.x.copy()
            xp[k] += h
            xm[k] -= h
            rate = _rate_fn(self.model)
            grad[:, k] = (np.asarray(rate(coords.params(xp), i), float)
                          - np.asarray(rate(coords.params(xm), i), float)) / (2 * h)
        return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", grad, self.cov_x, grad), 0.0))

    def to_dict(self) -> dict:
        d = self.lif_fit.to_dict()
        d.update({"estimates": {k: e.to_dict() for k, e in self.estimates.items()},
                  "n_points": self.n_points, "dof": self.dof, "rss": _num(self.rss),
                  "aicc": _num(self.aicc), "bic": _num(self.bic),
                  "swing_assumed": self.swing_assumed,
                  "interval": "95 % Wald, Student-t, log scale for positive quantities"})
        return d


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _rate_fn(model: str) -> Callable:
    return th.rate if model == "ideal" else ths.rate_saturating


class _Coords:
    """x <-> parameters. x = [ln tau, ln I_sw, I_rh / i_scale, t_ref / t_scale (, ln i_b)]."""

    def __init__(self, model: str, v_th: float, v_reset: float, i_scale: float,
                 t_scale: float):
        self.model, self.v_th, self.v_reset = model, v_th, v_reset
        self.i_scale, self.t_scale = i_scale, t_scale
        self.names = ["tau_m", "i_swing", "rheobase", "t_ref"] + (
            ["i_b"] if model == "saturating" else [])

    def params(self, x) -> LifParams:
        tau, i_sw = math.exp(x[0]), math.exp(x[1])
        g = i_sw / (self.v_th - self.v_reset)
        kw = {"c_mem": tau * g, "g_leak": g, "v_rest": self.v_th - x[2] * self.i_scale / g,
              "v_th": self.v_th, "v_reset": self.v_reset,
              "t_ref": max(float(x[3]) * self.t_scale, 0.0)}
        if self.model == "saturating":
            return SaturatingLifParams(**kw, i_b=math.exp(x[4]))
        return LifParams(**kw)

    def x_of(self, p: LifParams) -> np.ndarray:
        x = [math.log(p.tau_m), math.log(p.g_leak * (p.v_th - p.v_reset)),
             p.g_leak * (p.v_th - p.v_rest) / self.i_scale, p.t_ref / self.t_scale]
        if self.model == "saturating":
            x.append(math.log(p.i_b) if isinstance(p, SaturatingLifParams) else math.nan)
        return np.array(x, float)


def _initial_ideal(i: np.ndarray, f: np.ndarray, i_silent_max: float,
                   swing: float) -> tuple[float, ...]:
    """(tau, I_sw, I_rh, t_ref) from a grid over I_rh and I_sw with (t_ref, tau) by linear
    least squares at each node: ISI is linear in them. Nodes that put v_rest more than
    100 V from v_th (``swing`` = v_th - v_reset, V) are skipped."""
    isi = 1.0 / f
    lo = max(i_silent_max, i.min() - 2 * (np.ptp(i) or abs(i.min())))
    i_rh = np.linspace(lo, i.min(), 42)[:-1, None]
    i_sw = (i.min() - i_rh) * np.geomspace(1e-3, 1e3, 37)[None, :]
    i_rh, i_sw = np.broadcast_arrays(i_rh, i_sw)
    i_rh, i_sw = i_rh.ravel(), i_sw.ravel()
    ok = np.abs(i_rh) / i_sw * swing <= 100.0
    i_rh, i_sw = i_rh[ok], i_sw[ok]
    z = np.log1p(i_sw[:, None] / (i[None, :] - i_rh[:, None]))  # nodes x points
    # min sum (t_ref a + tau b - 1)^2 with a = 1/ISI, b = z/ISI: 2x2 normal equations
    a, b = 1.0 / isi, z / isi
    saa, sab, sbb = np.sum(a * a), np.sum(a * b, axis=1), np.sum(b * b, axis=1)
    sa, sb = np.sum(a), np.sum(b, axis=1)
    det = saa * sbb - sab ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t_ref = (sbb * sa - sab * sb) / det
        tau = (saa * sb - sab * sa) / det
        clamp = ~(t_ref >= 0)
        t_ref = np.where(clamp, 0.0, t_ref)
        tau = np.where(clamp, sb / sbb, tau)
        err = np.sum(np.log((t_ref[:, None] + tau[:, None] * z) / isi) ** 2, axis=1)
    err = np.where((tau > 0) & np.isfinite(err), err, np.inf)
    if err.size == 0 or not np.isfinite(err.min()):
        raise ValueError("no LIF F-I curve fits these rates (they do not rise with the "
                         "current); check the i_A and f_Hz columns")
    k = int(np.argmin(err))
    return float(tau[k]), float(i_sw[k]), float(i_rh[k]), float(t_ref[k])


def _weights(f, f_std, n_spikes) -> np.ndarray:
    """Relative weights 1/sd(ln f) (scaled by the fitted variance afterwards)."""
    if f_std is not None:
        sd = np.asarray(f_std, float) / f
    elif n_spikes is not None:
        sd = 1.0 / np.sqrt(np.maximum(np.asarray(n_spikes, float), 1.0))
    else:
        return np.ones_like(f)
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, np.nan)
    fill = np.nanmedian(sd) if np.any(np.isfinite(sd)) else 1.0
    # a spread estimated from a few intervals can come out near 0: no point may weigh more
    # than 4x the median one
    return 1.0 / np.maximum(np.where(np.isfinite(sd), sd, fill), 0.5 * fill)


def fit_fi_measured(i, f, *, model: str = "ideal", f_std=None, n_spikes=None,
                    v_th: float | None = None, v_reset: float | None = None,
                    start: LifParams | None = None) -> MeasuredFit:
    """Fit the ideal or saturating-leak LIF to a measured F-I curve.

    Parameters
    ----------
    i, f : array_like
        Currents (A) and rates (Hz); silent points (f = 0) only bound the rheobase from
        below, saturated and non-finite points must be removed first
        (:func:`lifspice.analysis.measured.data.clean_fi`).
    model : {"ideal", "saturating"}
    f_std, n_spikes : array_like, optional
        Standard deviation of each rate (Hz) or the spikes averaged in it: weights.
    v_th, v_reset : float, optional
        Threshold and reset (V) when measured (a trace) or known (the design); otherwise
        1 V and 0 V are assumed and c_mem, g_leak, v_rest are marked as conditional on it.
    start : LifParams, optional
        Starting point (the ideal fit when fitting the saturating model).

    Returns
    -------
    MeasuredFit
    """
    i, f = np.asarray(i, float), np.asarray(f, float)
    if model not in ("ideal", "saturating"):
        raise ValueError(f"model must be 'ideal' or 'saturating', got {model!r}")
    fire = f > 0
    if np.sum(fire) < 2:
        raise ValueError("fewer than two firing points: nothing to fit")
    w_all = _weights(np.where(fire, f, 1.0), f_std, n_spikes)
    i_f, f_f, w = i[fire], f[fire], w_all[fire]
    i_silent_max = float(np.max(i[~fire])) if np.any(~fire) else -math.inf
    assumed = v_th is None or v_reset is None
    vt, vr = (v_th, v_reset) if not assumed else DEFAULT_SWING
    coords = _Coords(model, vt, vr, float(np.ptp(i_f) or abs(i_f.max())),
                     float(1.0 / f_f.max()))
    if start is None:
        tau, i_sw, i_rh, t_ref = _initial_ideal(i_f, f_f, i_silent_max, vt - vr)
        x0 = np.array([math.log(tau), math.log(i_sw), i_rh / coords.i_scale,
                       t_ref / coords.t_scale, math.nan])[: 4 + (model == "saturating")]
    else:
        x0 = coords.x_of(start)
    if model == "saturating" and not math.isfinite(x0[4]):
        # i_b unknown: start from a few linear ranges (0.3 to 10 swings), keep the best
        fits = [_solve(coords, np.append(x0[:4], x0[1] + math.log(k)), i_f, f_f, w, assumed,
                       i_silent_max, quiet=True, max_nfev=15) for k in (0.3, 1.0, 3.0, 10.0)]
        best = min(fits, key=lambda r: r.rss)
        # capped: on data the leak does not saturate, i_b drifts to infinity for ever
        return _solve(coords, best.x, i_f, f_f, w, assumed, i_silent_max, max_nfev=100)
    return _solve(coords, x0, i_f, f_f, w, assumed, i_silent_max)


def _solve(coords, x0, i, f, w, assumed, i_silent_max, quiet=False,
           max_nfev=None) -> MeasuredFit:
    rate = _rate_fn(coords.model)
    n, k = f.size, x0.size
    log_f = np.log(f)

    def resid(x):
        try:
            fm = np.asarray(rate(coords.params(x), i), float)
        except (ParameterError, OverflowError):
            return np.full(n, 1e3)  # left the valid region: a wall
        # a silent model point: keep the residual finite and steering up the rate
        r = np.where(fm > 0, np.log(np.where(fm > 0, fm, 1.0)) - log_f, -10.0)
        return r * w

    lower = np.full(k, -np.inf)
    lower[3] = 0.0
    x0 = np.maximum(x0, lower + 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = least_squares(resid, x0, bounds=(lower, np.full(k, np.inf)), method="trf",
                            x_scale="jac", xtol=1e-12, ftol=1e-12, gtol=1e-12,
                            max_nfev=max_nfev or 400 * (k + 1))
    dof = n - k
    rss = float(np.sum(res.fun ** 2))
    s2 = rss / dof if dof > 0 else math.nan
    notes: list[str] = []
    jtj = res.jac.T @ res.jac
    cov_x = np.linalg.pinv(jtj, rcond=1e-12) * s2
    sv = np.linalg.svd(res.jac, compute_uv=False)
    if dof <= 0:
        notes.append(f"{n} firing points for {k} parameters: no error estimate")
    elif sv[-1] <= 1e-9 * sv[0]:
        notes.append("singular fit: the data do not separate every parameter")
    p = coords.params(res.x)
    est = wald_estimates(coords, res.x, cov_x, dof)
    notes += _identifiability(est, coords, assumed, i_silent_max, res.x)
    for note in () if quiet else notes:
        warnings.warn(note, FitIdentifiabilityWarning, stacklevel=3)
    ll = -0.5 * n * (math.log(2 * math.pi * max(rss, 1e-300) / n) + 1)
    aicc = (-2 * ll + 2 * (k + 1) + 2 * (k + 1) * (k + 2) / (n - k - 2)) if n - k - 2 > 0 \
        else math.inf
    bic = -2 * ll + (k + 1) * math.log(n)
    se_fields = dict.fromkeys((fl.name for fl in dataclasses.fields(p)), 0.0)
    se_fields.update({"c_mem": est["c_mem_F"].stderr, "g_leak": est["g_leak_S"].stderr,
                      "v_rest": est["v_rest_V"].stderr, "t_ref": est["t_ref_s"].stderr})
    if coords.model == "saturating":
        se_fields["i_b"] = est["i_b_A"].stderr
    fitted = ("c_mem", "g_leak", "v_rest", "t_ref") + (
        ("i_b",) if coords.model == "saturating" else ())
    rms = float(np.sqrt(np.mean((np.exp(res.fun / w) - 1.0) ** 2)))
    ok = bool(res.success) and dof > 0
    lif = LifFit(p, se_fields, rms if dof > 0 else math.nan, res.fun / w, ok,
                 str(res.message) if dof > 0 else notes[0], fitted, tuple(notes))
    return MeasuredFit(coords.model, p, est, lif, n, dof, rss, aicc, bic, res.x, cov_x,
                       assumed, tuple(notes), (coords.i_scale, coords.t_scale))


def _identifiability(est, coords, assumed, i_silent_max, x) -> list[str]:
    notes = []
    if assumed:
        notes.append("F-I alone determines tau_m, the rheobase, the swing current g (v_th - "
                     "v_reset) and t_ref, not C and g separately: c_mem, g_leak and v_rest "
                     "assume v_th - v_reset = 1 V (give a trace or v_th/v_reset)")
    for name in ("tau_m_s", "i_swing_A", "i_b_A"):
        e = est.get(name)
        if e is not None and not e.stderr <= _REL_LOOSE * abs(e.value):
            notes.append(f"{name} is poorly determined by these currents (stderr "
                         f"{e.stderr:.3g} vs value {e.value:.3g}); add points near and far "
                         "above the rheobase")
    t = est["t_ref_s"]
    if not t.stderr <= max(t.value, 0.0):
        notes.append("t_ref is not resolved by these rates (its interval reaches 0); add "
                     "points at rates near 1/(10 t_ref)")
    if est["rheobase_A"].value < i_silent_max:
        notes.append(f"the fitted rheobase {est['rheobase_A'].value:.4g} A is below a "
                     f"current where the neuron was silent ({i_silent_max:.4g} A)")
    if coords.model == "saturating" and est["v_lin_V"].value > 10 * (coords.v_th
                                                                     - coords.v_reset):
        notes.append("the leak does not saturate over the swing (v_lin > 10 swings): i_b "
                     "is not identifiable; the ideal model says the same with fewer "
                     "parameters")
    return notes

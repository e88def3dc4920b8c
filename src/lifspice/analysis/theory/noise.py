"""The LIF neuron driven by white noise: Siegert rate and ISI CV.

Model and conventions (SI units throughout, tied to :class:`~lifspice.circuits.params.LifParams`)
-------------------------------------------------------------------------------------------------
The input current is a mean plus Gaussian white noise::

    c_mem dV/dt = -g_leak (V - v_rest) + mu + sigma xi(t),   <xi(t) xi(t')> = delta(t - t')

* ``mu`` — mean input current, A.
* ``sigma`` — noise intensity of the input current, **A s^(1/2)** (= A/sqrt(Hz)): the
  current's two-sided power spectral density is ``sigma**2`` (A^2/Hz), and its integral over a
  window ``W`` (a charge) has variance ``sigma**2 W`` (C^2).  A noise source that holds or
  interpolates independent samples of rms ``I_rms`` every ``dt`` has ``sigma = I_rms sqrt(dt)``
  at frequencies far below ``1/dt`` (see :mod:`lifspice.flows.noise` for ngspice's ``trnoise``).

In membrane units, with ``tau = c_mem / g_leak``::

    tau dV/dt = -(V - v_rest) + mu/g_leak + sigma_v sqrt(tau) xi(t)

so ``sigma_v = sigma / sqrt(g_leak c_mem)`` (V) is Brunel's (2000) ``sigma``; the free membrane (no
threshold) then fluctuates with standard deviation ``sigma_v / sqrt(2)``
(:func:`~lifspice.analysis.theory.noise.membrane_std`).  With ``y = (V - v_rest - mu/g_leak) /
sigma_v`` the mean first-passage time from ``v_reset`` to ``v_th`` gives the Siegert rate::

    1/nu = t_ref + tau sqrt(pi) int_{y_r}^{y_th} e^{u^2} (1 + erf u) du

and the ISI coefficient of variation (Brunel & Hakim 1999, Brunel 2000; Tuckwell 1988)::

    CV^2 = 2 pi (nu tau)^2 int_{y_r}^{y_th} e^{x^2} dx int_{-inf}^{x} e^{y^2} (1 + erf y)^2 dy

(``t_ref`` adds to the mean ISI, not to its variance).  The integrands are evaluated as
``erfcx(-u) = e^{u^2} (1 + erf u)`` in log space, with the exponential growth factored out,
so rates far below 1 Hz, CVs near 1 (Poisson) and the ``sigma -> 0`` limit (the
deterministic F-I curve, :func:`lifspice.analysis.theory.ideal.rate`) are all stable.

The simulators (:mod:`lifspice.analysis.theory.noise_sim`) are the independent numerical
reference: :func:`~lifspice.analysis.theory.noise_sim.simulate_noisy` (exact
Ornstein-Uhlenbeck update between grid points plus a Brownian-bridge test for crossings
between them, many neurons at once, explicit seed) and
:func:`~lifspice.analysis.theory.noise_sim.simulate_interpolated_noise` (ngspice-style
sampled, linearly interpolated noise).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import quad
from scipy.special import erfcx

from lifspice.analysis.theory import ideal as theory
from lifspice.analysis.theory.saturating import isi_saturating
from lifspice.circuits.params import LifParams, ParameterError

__all__ = [
    "cv_siegert",
    "isi_siegert",
    "isi_siegert_saturating",
    "membrane_std",
    "rate_siegert",
    "rate_siegert_saturating",
    "sigma_v",
]

_LOG_HUGE = 700.0  # exp() overflows just above 709

def sigma_v(p: LifParams, sigma: float) -> float:
    """Brunel's membrane noise amplitude ``sigma / sqrt(g_leak c_mem)``, V."""
    return float(sigma) / math.sqrt(p.g_leak * p.c_mem)


def membrane_std(p: LifParams, sigma: float) -> float:
    """Standard deviation of the free (sub-threshold, no reset) membrane, V:
    ``sigma / sqrt(2 g_leak c_mem)``."""
    return sigma_v(p, sigma) / math.sqrt(2.0)


def _check(mu, sigma):
    mu_a = np.asarray(mu, dtype=float)
    sg_a = np.asarray(sigma, dtype=float)
    if not (np.all(np.isfinite(mu_a)) and np.all(np.isfinite(sg_a))):
        raise ParameterError(f"mu (A) and sigma (A s^0.5) must be finite, got {mu!r}, {sigma!r}")
    if np.any(sg_a < 0):
        raise ParameterError(f"sigma must be >= 0 A s^0.5, got {sigma!r}")
    return np.broadcast_arrays(mu_a, sg_a)


def _log_erfcx_neg(u: float) -> float:
    """ln(e^{u^2} (1 + erf u)) = ln erfcx(-u), without overflow for large u."""
    if u < 25.0:
        return math.log(erfcx(-u))
    # erfcx(-u) = 2 e^{u^2} - erfcx(u); the second term is below 1e-270 of the first here
    return u * u + math.log(2.0)


def _bounds(p: LifParams, mu: float, sv: float) -> tuple[float, float]:
    shift = p.v_rest + mu / p.g_leak
    return (p.v_reset - shift) / sv, (p.v_th - shift) / sv


def _scale(y_th: float) -> float:
    """Exponent factored out of both integrals: the integrands grow like e^{y^2}."""
    return y_th * y_th if y_th > 0 else 0.0


def _pieces(a: float, b: float) -> list[tuple[float, float]]:
    """Split [a, b] at -1, -10, -100, ... so quad sees the slow 1/|u| tails piece by piece."""
    cuts = [a]
    c = -1.0
    while c > a:
        c *= 10.0
    c /= 10.0
    while c <= -1.0 and c < b:
        if c > a:
            cuts.append(c)
        c /= 10.0
    if a < 0.0 < b:
        cuts.append(0.0)
    if b > 5.0 and b - 20.0 / b > max(a, 0.0):  # e^{u^2} integrands peak within 1/(2b) of b
        cuts.append(b - 20.0 / b)
    cuts.append(b)
    return [(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:], strict=True) if hi > lo]


def _integrate(f, a: float, b: float, rtol: float) -> float:
    return sum(quad(f, lo, hi, epsabs=0.0, epsrel=rtol, limit=200)[0]
               for lo, hi in _pieces(a, b))


def _mean_integral(y_r: float, y_th: float, s: float) -> float:
    """e^{-s} int_{y_r}^{y_th} erfcx(-u) du."""
    return _integrate(lambda u: math.exp(_log_erfcx_neg(u) - s), y_r, y_th, 1e-10)


def _inner_scaled(x: float) -> float:
    """G(x) = e^{-|x| x} int_{-inf}^{x} e^{y^2} (1 + erf y)^2 dy, bounded for all x.

    ``e^{y^2} (1 + erf y)^2 = erfcx(-y)^2 e^{-y^2}``; the offset ``x|x|`` keeps the value
    O(1/|x|^3) for x -> -inf and O(1/x) for x -> +inf.
    """
    if abs(x) > 5.0:
        # in d = x - y >= 0 (exact for huge |x|, where y itself would round): the integrand
        # peaks at d = 0 and falls as e^{-2|x| d}; 40 decay lengths, and for x > 5 the part
        # below y = 0 is e^{-25} of the rest
        def g(d):
            y = x - d
            expo = d * (2.0 * x - d) if x < 0 else -y * y - x * x
            return math.exp(2.0 * _log_erfcx_neg(y) + expo)

        return quad(g, 0.0, 20.0 / abs(x), epsabs=0.0, epsrel=1e-10, limit=200)[0]

    def f(y):
        return math.exp(2.0 * _log_erfcx_neg(y) - y * y - x * abs(x))

    lo = min(x, 0.0) - 12.0  # below this the integrand is < e^{-144} of its peak
    return quad(f, lo, x, epsabs=0.0, epsrel=1e-10, limit=200,
                points=[0.0] if lo < 0.0 < x else None)[0]


def _var_integral(y_r: float, y_th: float, s: float) -> float:
    """e^{-2s} int_{y_r}^{y_th} e^{x^2} dx int_{-inf}^x e^{y^2}(1+erf y)^2 dy."""
    def f(x):
        return math.exp(x * x + x * abs(x) - 2.0 * s) * _inner_scaled(x)

    return _integrate(f, y_r, y_th, 1e-8)


def _point(p: LifParams, mu: float, sigma: float, want_cv: bool) -> tuple[float, float]:
    """(mean ISI in s, CV) at one operating point."""
    if sigma == 0.0:
        t = float(theory.isi(p, mu))
        return t, (0.0 if math.isfinite(t) else math.nan)
    sv = sigma_v(p, sigma)
    y_r, y_th = _bounds(p, mu, sv)
    s = _scale(y_th)
    if s > _LOG_HUGE:  # mean ISI beyond tau e^700: never fires
        return math.inf, math.nan
    m = _mean_integral(y_r, y_th, s)
    tau = p.tau_m
    t_mean = p.t_ref + tau * math.sqrt(math.pi) * math.exp(s) * m
    t_ref_scaled = p.t_ref * math.exp(-s)
    cv = math.nan
    if want_cv:
        v = _var_integral(y_r, y_th, s)
        mean_scaled = t_ref_scaled + tau * math.sqrt(math.pi) * m  # e^{-s} x mean ISI
        cv = math.sqrt(2.0 * math.pi * tau * tau * v) / mean_scaled
    return t_mean, cv


def isi_siegert(p: LifParams, mu, sigma):
    """Mean interspike interval of the white-noise-driven LIF, including ``t_ref``, s.

    Parameters
    ----------
    p : LifParams
    mu : float or array_like
        Mean input current, A.
    sigma : float or array_like
        Noise intensity, A s^(1/2) (module docstring); 0 gives the deterministic ISI.

    Returns
    -------
    float or numpy.ndarray
        Mean ISI, s (``inf`` only where it exceeds ``tau_m e^700``).
    """
    mu_a, sg_a = _check(mu, sigma)
    out = np.array([_point(p, float(m), float(s), False)[0]
                    for m, s in zip(mu_a.ravel(), sg_a.ravel(), strict=True)])
    out = out.reshape(mu_a.shape)
    return float(out) if out.ndim == 0 else out


def rate_siegert(p: LifParams, mu, sigma):
    """Siegert (mean first-passage time) firing rate, Hz; see :func:`isi_siegert`."""
    t = np.asarray(isi_siegert(p, mu, sigma), dtype=float)
    with np.errstate(divide="ignore"):
        f = np.where(np.isfinite(t), 1.0 / t, 0.0)
    return float(f) if f.ndim == 0 else f


def cv_siegert(p: LifParams, mu, sigma):
    """Coefficient of variation of the ISI of the white-noise-driven LIF (dimensionless).

    0 for ``sigma = 0`` above rheobase (NaN below: no ISIs); tends to 1 (Poisson) deep below
    threshold; ``t_ref`` lowers it (it adds to the mean, not the variance).
    """
    mu_a, sg_a = _check(mu, sigma)
    out = np.array([_point(p, float(m), float(s), True)[1]
                    for m, s in zip(mu_a.ravel(), sg_a.ravel(), strict=True)])
    out = out.reshape(mu_a.shape)
    return float(out) if out.ndim == 0 else out


# ------------------------------------------------------------- saturating (OTA) leak


def isi_siegert_saturating(p, mu: float, sigma: float) -> float:
    """Mean ISI (s) of the white-noise LIF whose leak saturates like an OTA's:
    ``c dV = (mu - i_b tanh((V - v_rest)/v_lin)) dt + sigma dW`` (``p``: SaturatingLifParams).

    For a drift ``f(u)`` (``u = V - v_rest``) and diffusion ``s = sigma / c_mem`` the mean
    first-passage time from ``u_r`` to ``u_th`` is
    ``(2/s^2) int_{u_r}^{u_th} dy int_{-inf}^{y} e^{U(y) - U(z)} dz`` with the (convex)
    potential ``U(u) = -(2 c / sigma^2) (mu u - i_b v_lin ln cosh(u / v_lin))``.  Both
    integrals are done by adaptive quadrature on windows set by the potential (the inner
    integrand is confined to where ``U(z)`` is within 50 of its minimum on ``(-inf, y]``),
    with the largest exponent factored out.  For a wide linear range it equals
    :func:`isi_siegert`; it applies where that does not (a leak saturating inside the swing).
    """
    if sigma <= 0:
        return float(isi_saturating(p, mu))
    c, ib, vl = p.c_mem, p.i_b, p.v_lin
    k = 2.0 * c / sigma**2  # 1/(V A)

    def big_u(u):
        a = abs(u / vl)
        return -k * (mu * u - ib * vl * (a + math.log1p(math.exp(-2.0 * a)) - math.log(2.0)))

    def drift(u):  # -dU/du / k: the net current, A
        return mu - ib * math.tanh(u / vl)

    u_r, u_th = p.v_reset - p.v_rest, p.v_th - p.v_rest
    u_star = vl * math.atanh(mu / ib) if abs(mu) < ib else (math.inf if mu > 0 else -math.inf)

    def argmin_u(y):  # where U is smallest on (-inf, y] (U is convex)
        return min(y, u_star)

    def lower(z0):  # U(z0 - d) - U(z0) > 50 (U decreases towards z0 from below)
        d = max(sigma / math.sqrt(k * c * ib / vl + 1e-300), 1e-9)
        u0 = big_u(z0)
        while big_u(z0 - d) - u0 < 50.0:
            d *= 2.0
        return z0 - d

    s_max = max(big_u(u_th) - big_u(argmin_u(u_th)), 0.0)  # the largest exponent

    def inner(y):
        m = argmin_u(y)
        shift = big_u(y) - big_u(m) - s_max  # <= 0 up to rounding

        def f(z):
            return math.exp(big_u(m) - big_u(z) + shift)

        lo = lower(m)
        pts = [lo, m, y] if m < y else [lo, y]
        total = 0.0
        for a_, b_ in zip(pts[:-1], pts[1:], strict=False):
            if b_ > a_:
                # near the top the integrand falls as e^{-k drift(y) (y - z)}
                w = 50.0 / (k * abs(drift(b_))) if drift(b_) != 0 else b_ - a_
                cut = max(a_, b_ - w)
                for lo2, hi2 in ((a_, cut), (cut, b_)):
                    if hi2 > lo2:
                        total += quad(f, lo2, hi2, epsabs=0.0, epsrel=1e-7, limit=200)[0]
        return total

    # the outer integrand grows towards u_th when the threshold is above the potential well
    pts = [u_r]
    if s_max > 0 and u_th - u_r > 0:
        w = 50.0 / max(k * abs(drift(u_th)), 1e-300)
        if u_th - w > u_r:
            pts.append(u_th - w)
    pts.append(u_th)
    outer = sum(quad(inner, a_, b_, epsabs=0.0, epsrel=1e-7, limit=200)[0]
                for a_, b_ in zip(pts[:-1], pts[1:], strict=False) if b_ > a_)
    if outer <= 0:
        return math.inf
    log_t = math.log(k * c) + math.log(outer) + s_max  # 2 / s^2 = 2 c^2 / sigma^2 = k c
    return p.t_ref + (math.exp(log_t) if log_t < _LOG_HUGE else math.inf)


def rate_siegert_saturating(p, mu, sigma):
    """Firing rate (Hz) of :func:`isi_siegert_saturating`; arrays broadcast."""
    mu_a, sg_a = _check(mu, sigma)
    ts = [isi_siegert_saturating(p, float(m), float(s))
          for m, s in zip(mu_a.ravel(), sg_a.ravel(), strict=True)]
    out = np.array([1.0 / t if math.isfinite(t) else 0.0 for t in ts]).reshape(mu_a.shape)
    return float(out) if out.ndim == 0 else out

"""A fitted quantity with its uncertainty, and the Wald (delta-method, Student-t) intervals
of every quantity an F-I fit determines."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from lifspice.circuits.params import ParameterError

__all__ = ["QUANTITIES", "SATURATING_QUANTITIES", "Estimate", "wald_estimates"]


@dataclass(frozen=True)
class Estimate:
    """A fitted quantity with its uncertainty, SI units.

    Attributes
    ----------
    value, stderr : float
        Best fit and standard error (delta method).
    ci95 : tuple of float
        95 % interval (Wald, Student-t; on the log scale for positive quantities).
    bootstrap_ci95 : tuple of float or None
        Percentile interval of a residual bootstrap, when one was run.
    conditional : bool
        True when the value rests on an assumed or separately measured swing
        ``v_th - v_reset`` (c_mem, g_leak, v_rest from an F-I curve alone).
    """

    value: float
    stderr: float
    ci95: tuple[float, float]
    bootstrap_ci95: tuple[float, float] | None = None
    conditional: bool = False

    def to_dict(self) -> dict:
        def num(x):
            return float(x) if x is not None and math.isfinite(x) else None
        return {"value": num(self.value), "stderr": num(self.stderr),
                "ci95": [num(c) for c in self.ci95],
                "bootstrap_ci95": None if self.bootstrap_ci95 is None
                else [num(c) for c in self.bootstrap_ci95],
                "conditional": self.conditional}


# derived quantity -> (function of params, positive?, conditional on the swing?)
QUANTITIES: dict[str, tuple[Callable, bool, bool]] = {
    "tau_m_s": (lambda p: p.tau_m, True, False),
    "rheobase_A": (lambda p: p.g_leak * (p.v_th - p.v_rest), False, False),
    "i_swing_A": (lambda p: p.g_leak * (p.v_th - p.v_reset), True, False),
    "t_ref_s": (lambda p: p.t_ref, False, False),
    "c_mem_F": (lambda p: p.c_mem, True, True),
    "g_leak_S": (lambda p: p.g_leak, True, True),
    "v_rest_V": (lambda p: p.v_rest, False, True),
}
SATURATING_QUANTITIES: dict[str, tuple[Callable, bool, bool]] = {
    "i_b_A": (lambda p: p.i_b, True, False),
    "v_lin_V": (lambda p: p.v_lin, True, True),
}


def wald_estimates(coords, x, cov_x, dof, level=0.95) -> dict[str, Estimate]:
    """Delta-method standard errors and Student-t intervals (``dof`` degrees of freedom) of
    every quantity, from the covariance ``cov_x`` of the fit coordinates ``x``;
    ``coords.params(x)`` gives the parameters and ``coords.model`` the model."""
    q = stats.t.ppf(0.5 + level / 2, max(dof, 1))
    table = dict(QUANTITIES)
    if coords.model == "saturating":
        table.update(SATURATING_QUANTITIES)
    p0 = coords.params(x)
    out = {}
    for name, (fn, positive, conditional) in table.items():
        v0 = float(fn(p0))
        tr = (lambda v: math.log(v)) if positive and v0 > 0 else (lambda v: v)
        grad = np.zeros(x.size)
        for k in range(x.size):
            h = 1e-6 * max(1.0, abs(x[k]))
            xp, xm = x.copy(), x.copy()
            xp[k] += h
            xm[k] -= h
            try:
                grad[k] = (tr(fn(coords.params(xp))) - tr(fn(coords.params(xm)))) / (2 * h)
            except (ParameterError, ValueError, OverflowError):
                grad[k] = math.nan
        se_t = float(math.sqrt(max(grad @ cov_x @ grad, 0.0))) if dof > 0 else math.inf
        if positive and v0 > 0:
            w = min(q * se_t, 700.0)  # an undetermined quantity: (0, inf), not an overflow
            ci = (v0 * math.exp(-w), v0 * math.exp(w))
            se = v0 * se_t
        else:
            ci, se = (v0 - q * se_t, v0 + q * se_t), se_t
        if name == "t_ref_s":
            ci = (max(ci[0], 0.0), ci[1])
        out[name] = Estimate(v0, float(se), (float(ci[0]), float(ci[1])),
                             conditional=conditional)
    return out

"""What kind of leak a measured I-V curve is, and which LIF variant follows from it.

Three leaks are common in silicon neurons and each has its LIF:

* **linear**: a resistor or an OTA far inside its linear range, ``I = g (V - V_rest)``:
  the textbook LIF;
* **saturating**: an OTA used as a transconductor, ``I = I_b tanh(g (V - V_rest) / I_b)``:
  the saturating-leak LIF (:mod:`lifspice.analysis.theory.saturating`);
* **current sink**: a single transistor in saturation over most of the swing, nearly constant
  ``I_b`` above a few ``V_lin`` from where it turns off, and no current the other way: the
  same saturating LIF with ``V_lin`` small against the swing (the climb is then almost linear
  in time);
* **none**: no measurable current (a perfect integrator).

:func:`classify_leak` fits the linear and tanh forms to the swept curve (only where it was
swept: a curve that stops before it bends says nothing of saturation) and names the simplest
that fits within 1 % of the current range. Pure numpy/scipy.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

#: A model fits when its RMS residual is under this share of the largest current swept.
FIT_TOLERANCE = 0.01
#: A tanh leak is a current sink when its V_lin is under this share of the swept span.
SINK_SHARE = 0.25
#: Currents under this (A) are no leak.
NO_LEAK = 1e-15


@dataclass(frozen=True)
class LeakModel:
    """The leak's kind and its parameters (SI units).

    Attributes
    ----------
    kind : str
        ``"linear"``, ``"saturating"``, ``"current sink"`` or ``"none"``.
    g : float
        Conductance at rest, S.
    v_rest : float
        Where the fitted current is zero, V.
    i_b : float
        Saturation current, A (``inf`` for a linear leak: none seen).
    rms_linear, rms_tanh : float
        RMS residual of each fit as a share of the largest current swept.
    """

    kind: str
    g: float
    v_rest: float
    i_b: float
    rms_linear: float
    rms_tanh: float

    @property
    def lif_variant(self) -> str:
        """The LIF that follows: ``"ideal"`` (textbook) or ``"saturating"``."""
        return "ideal" if self.kind in ("linear", "none") else "saturating"

    def describe(self) -> str:
        """One sentence for a person."""
        if self.kind == "none":
            return "no measurable leak: a perfect integrator"
        fit = (f"linear fit {100 * self.rms_linear:.2g} %, tanh fit {100 * self.rms_tanh:.2g} % "
               "RMS of the current range")
        if self.kind == "linear":
            return f"linear leak, g = {self.g:.4g} S (no saturation in the swept range; {fit})"
        what = "saturating (tanh) leak" if self.kind == "saturating" else "current-sink leak"
        return (f"{what}, g = {self.g:.4g} S at rest, I_b = {self.i_b:.4g} A, V_lin = "
                f"{self.i_b / self.g:.4g} V ({fit})")

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "lif_variant": self.lif_variant, "g_S": self.g,
                "v_rest_V": self.v_rest, "i_b_A": self.i_b if math.isfinite(self.i_b) else None,
                "rms_linear": self.rms_linear, "rms_tanh": self.rms_tanh,
                "description": self.describe()}


def classify_leak(v: np.ndarray, i: np.ndarray) -> LeakModel:
    """Fit the linear and tanh leaks to ``i(v)`` (A out of the membrane, V) and name the kind.

    Raises ValueError with fewer than 5 points.
    """
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    if v.size < 5:
        raise ValueError("a leak curve needs at least 5 points")
    scale = float(np.max(np.abs(i)))
    if scale < NO_LEAK:
        return LeakModel("none", 0.0, math.nan, 0.0, 0.0, 0.0)
    g_lin, b = np.polyfit(v, i, 1)
    rms_lin = float(np.sqrt(np.mean((i - (g_lin * v + b)) ** 2)) / scale)
    v0 = -b / g_lin if g_lin else float(np.median(v))
    tanh = _fit_tanh(v, i, g_lin, v0, scale)
    if rms_lin <= FIT_TOLERANCE or tanh is None:
        return LeakModel("linear", float(g_lin), float(v0), math.inf, rms_lin,
                         tanh[3] if tanh else math.nan)
    i_b, g, v0t, rms_t = tanh
    span = float(np.ptp(v))
    # a sink conducts one way only: it turns off below its knee instead of reversing
    one_sided = -float(i.min()) < 0.1 * float(i.max())
    kind = "current sink" if one_sided and i_b / g < SINK_SHARE * span else "saturating"
    return LeakModel(kind, g, v0t, i_b, rms_lin, rms_t)


def _model(v, i_b, g, v0):
    return i_b * np.tanh(g * (v - v0) / i_b)


def _fit_tanh(v, i, g0, v0, scale) -> tuple[float, float, float, float] | None:
    """(i_b, g, v0, relative RMS) of the best tanh, or None when it does not converge.

    Started from the straight line's slope and zero, and from the curve's own zero crossing
    and slope there (a sink that turns off at ground is steep there and flat above)."""
    order = np.argsort(v)
    vs, is_ = v[order], i[order]
    k = int(np.argmin(np.abs(is_)))
    local = np.gradient(is_, vs)[k]
    starts = [(scale, max(abs(g0), 4 * scale / max(float(np.ptp(v)), 1e-9)), v0)]
    if local > 0:
        starts += [(scale, float(local), float(vs[k])), (0.5 * scale, float(local), float(vs[k]))]
    starts += [(2 * scale, starts[0][1], v0), (0.5 * scale, starts[0][1], v0)]
    best = None
    for p0 in starts:
        try:
            with warnings.catch_warnings():  # the covariance is not used
                warnings.simplefilter("ignore", OptimizeWarning)
                popt, _ = curve_fit(_model, v, i, p0=p0, maxfev=5000)
        except (RuntimeError, ValueError):
            continue
        i_b, g, vz = (float(x) for x in popt)
        if not (i_b > 0 and g > 0):
            continue
        rms = float(np.sqrt(np.mean((i - _model(v, i_b, g, vz)) ** 2)) / scale)
        if best is None or rms < best[3]:
            best = (i_b, g, vz, rms)
    return best

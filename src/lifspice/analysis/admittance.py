"""Membrane capacitance and conductance from the admittance ``Y = g + j w C`` of a node.

An AC analysis that drives 1 A into the membrane gives its impedance ``Z = v(mem)``; where the
membrane is a capacitor and a leak, ``Y = 1 / Z = g + j w C``. Real circuits add poles (an OTA's
mirror node, parasitics) above the leak's corner, so C and g are read at the corner ``f_c``
where ``Im Y = Re Y`` (the frequency ``1 / (2 pi tau_m)`` a subthreshold step probes), not at
the ends of the sweep. Pure numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Admittance:
    """g (S) and C (F) of a node at its corner frequency f_c (Hz); g at the lowest frequency."""

    g: float
    c: float
    f_c: float
    g_dc: float

    @property
    def tau(self) -> float:
        """C / g, s."""
        return self.c / self.g


def membrane_admittance(f: np.ndarray, z: np.ndarray) -> Admittance:
    """C and g from an impedance sweep ``z`` (V per A, complex) over frequencies ``f`` (Hz).

    Raises ValueError when the node shows no capacitive corner in the sweep (Im Y never
    reaches Re Y: no capacitor, or a conductance too large for the range) or no restoring
    conductance (Re Y <= 0 at the corner: the node does not leak back to rest).
    """
    f = np.asarray(f, float)
    y = 1.0 / np.asarray(z, complex)
    w = 2 * math.pi * f
    ratio = y.imag / np.where(y.real != 0, y.real, np.nan)
    above = np.nonzero(ratio >= 1.0)[0]
    if not above.size:
        raise ValueError(
            f"the membrane shows no capacitive corner between {f[0]:.3g} and {f[-1]:.3g} Hz "
            f"(Im Y / Re Y at most {np.nanmax(ratio):.3g}): is there a membrane capacitor on "
            "the membrane pin? Give c_mem_hint (F) if the kit cannot see it")
    k = int(above[0])
    if k == 0:
        raise ValueError(
            f"the membrane is capacitive already at {f[0]:.3g} Hz (Im Y / Re Y = {ratio[0]:.3g}):"
            f" its leak conductance is below {y.real[0]:.3g} S or absent, so tau_m is longer "
            "than the sweep can see")
    # log-interpolate the crossing of Im Y / Re Y = 1
    a, b = math.log(f[k - 1]), math.log(f[k])
    ra, rb = math.log(max(ratio[k - 1], 1e-300)), math.log(ratio[k])
    lf = a + (0 - ra) * (b - a) / (rb - ra) if rb != ra else b
    f_c = math.exp(lf)
    g = float(np.interp(lf, np.log(f), y.real))
    c = float(np.interp(lf, np.log(f), y.imag / w))
    if not g > 0:
        raise ValueError(f"the membrane conductance at {f_c:.3g} Hz is {g:.3g} S: the leak does "
                         "not restore the membrane")
    return Admittance(g=g, c=c, f_c=f_c, g_dc=float(y.real[0]))

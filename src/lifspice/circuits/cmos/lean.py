"""The lean topology's comparator as calibrated on each PDK: a
:class:`~lifspice.circuits.cmos.lean.LeanComparator` per neuron class
(``CmosNeuron.LEAN_CMP``), which the sizer reads. Units: SI (A, m)."""

from __future__ import annotations

from typing import NamedTuple


class LeanComparator(NamedTuple):
    """What the lean topology's comparator needs on one PDK.

    Attributes
    ----------
    i_cmp_min : float
        Smallest comparator tail current, A (0: none beyond the design's).
    hys_ratio : float
        ``i_hys / i_cmp`` the sizer gives it.
    mirror : tuple of float
        (W, L) of its load and tail mirrors at least, m.
    hys_required : bool
        True when a smaller ``hys_ratio`` fails on this PDK (the sizer refuses the target);
        False when it may fall to ``LEAN_HYS_MIN`` to fit a narrow reset swing.
    """

    i_cmp_min: float
    hys_ratio: float
    mirror: tuple[float, float]
    hys_required: bool = False


#: sky130's, as in sky130_lean.toml (i_hys up to i_cmp / 2, 2 x 4 um mirrors).
SKY130_LEAN = LeanComparator(0.0, 0.5, (2e-6, 4e-6))
#: gf180mcu's, as in gf180_lean.toml (the 3.3 V comparator output slews further, so with
#: sky130's comparator the reset acted before the hysteresis latched and the refractory
#: capacitor emptied only part-way: t_ref 67 .. 193 us with the input; 8 nA, i_hys = 3/4
#: i_cmp, 4 x 8 um mirrors empty it at every current).
GF180_LEAN = LeanComparator(8e-9, 0.75, (4e-6, 8e-6), hys_required=True)

__all__ = ["GF180_LEAN", "SKY130_LEAN", "LeanComparator"]

"""Size the transistor LIF neuron for a target tau_m from gm/Id tables, on sky130 or gf180mcu
(``SizingTargets.pdk``: :class:`~lifspice.circuits.cmos.neuron.Sky130Neuron` or
:class:`~lifspice.circuits.cmos.gf180.Gf180Neuron`, with that PDK's size limits, MIM density,
corners and calibration constants). Pure: tables in, sizes out.

The leak is a 5-transistor OTA (pMOS pair, nMOS mirror, pMOS tail mirrored from ``i_b``) wired as a
transconductor, so ``tau_m = C / G`` with ``G = g_m`` of one input device at ``I_D = i_b / 2``
(plus the output conductances). :func:`~lifspice.analysis.sizing.sizer.size_neuron` chooses, in
order:

1. the OTA devices: long channels (4 um pair and mirror: output conductance ~1 % of g_m),
   the tail mirror's area from the tau_m mismatch budget (its current mismatch is the tail
   pair's V_th mismatch times g_m/I_D, and g_m of a weakly inverted pair follows i_b);
2. the smallest membrane MIM capacitor ``C`` (least area) that keeps ``i_b`` at least
   ``leak_margin`` (10) times the leakage into the membrane (mirror output and reset switch
   at V_GS = 0, from the tables' V_GS = 0 rows) at every temperature of the range; then
   ``i_b`` so that ``C / g_m(i_b) = tau_m`` at the nominal temperature;
3. the comparator pair for the V_th mismatch budget, the reset switch (long enough to leak
   little, fast enough to reset within a fraction of t_ref), the refractory ``c_ref`` and
   ``i_ref`` for ``t_ref``, ``i_ref`` again above the leakage of the node it charges.

Both topologies (``SizingTargets.topology``) share the OTA, membrane, comparator and reset
switch; their refractory swing (:func:`~lifspice.circuits.cmos.neuron.ref_swing`) and count of
small logic devices differ.

Mismatch uses the PDK's Pelgrom coefficients (:class:`~lifspice.analysis.sizing.mismatch.Mismatch`,
read from the model files by :func:`lifspice.flows.gmid.pelgrom_coefficients`). Units: SI (s, V, A,
F, m, m^2, W).

Modules: :mod:`~lifspice.analysis.sizing.targets` (what is asked, what comes out),
:mod:`~lifspice.analysis.sizing.mismatch` (Pelgrom coefficients and the comparator's release
margin), :mod:`~lifspice.analysis.sizing.leak` (the leak OTA and the leakage currents from the
tables), :mod:`~lifspice.analysis.sizing.sizer`
(:func:`~lifspice.analysis.sizing.sizer.size_neuron`, step by step).
"""

from lifspice.analysis.sizing.mismatch import Mismatch, nfet_mismatch_factor, release_margin
from lifspice.analysis.sizing.sizer import mim_area, size_neuron, tau_scaled_ib, with_ib
from lifspice.analysis.sizing.targets import (
    NEURONS,
    InfeasibleTarget,
    SizedDesign,
    SizingTargets,
    neuron_class,
)

__all__ = ["NEURONS", "InfeasibleTarget", "Mismatch", "SizedDesign", "SizingTargets", "mim_area",
           "neuron_class", "nfet_mismatch_factor", "release_margin", "size_neuron",
           "tau_scaled_ib", "with_ib"]

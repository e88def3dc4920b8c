"""Whole ngspice netlists of the transistor neuron (sky130, gf180mcu): the firing transient
(:func:`~lifspice.circuits.cmos.netlists.neuron_netlist`), the leak OTA's DC sweep
(:func:`~lifspice.circuits.cmos.netlists.ota_dc_netlist`) and the subthreshold step for tau_m
(:func:`~lifspice.circuits.cmos.netlists.step_netlist`).

The devices come from :func:`lifspice.circuits.cmos.blocks.neuron_core`; this module adds
the model library, options, stimulus, initial conditions and analysis. Pure text: the caller
writes files.
"""

from __future__ import annotations

from collections.abc import Sequence

from lifspice.circuits.cmos.blocks import leak_ota, neuron_core, reset_switch
from lifspice.circuits.cmos.neuron import CmosNeuron
from lifspice.circuits.cmos.nodes import (
    NODE_CMP,
    NODE_EXT,
    NODE_MEM,
    NODE_RESET,
    NODE_VRESET,
    NODE_VREST,
    SAVE_VECTORS,
    STIM_SOURCE,
    SUPPLY,
)
from lifspice.circuits.netlist import assemble, safe_name, spice_number
from lifspice.circuits.params import ParameterError, check_finite, check_positive
from lifspice.circuits.stimulus import Step, Stimulus
from lifspice.pdk.sky130 import seed_option


def _header(n: CmosNeuron, lib_path: str, seed: int | None,
            extra_options: str = "") -> list[str]:
    """Model library, temperature, simulator options and the mismatch seed."""
    lib = str(lib_path)
    if any(c in lib for c in '"\n\r'):
        raise ParameterError(f"library path {lib!r} cannot be quoted in a netlist")
    lines = [f'.include "{lib}"', f".temp {spice_number(n.temperature_c)}"]
    # default gmin (1e-12 S) would be a ~1 pA fake leak at the membrane, as large as a pA
    # bias; abstol must follow it down or the leak current is below the error tolerance
    # gear: the trapezoidal rule rings (+-80 nA in i(vdd), step to step) after the edges
    # chgtol: ngspice's default 1e-14 C is more charge than the fF logic nodes hold (rst, ext,
    # cmp: 2-200 fC), so their edges went unresolved; at 1e-16 C the numerical floor of
    # t_ref fell from 0.02-0.7 us to ~0.002 us, of the energy per spike from 0.6-3 fJ to
    # 0.01-0.17 fJ and of the rate 2-100x (1 uV nudges, 3 samples each, both topologies),
    # at no measurable cost in speed
    lines.append(".options gmin=1e-15 abstol=1e-15 reltol=1e-4 chgtol=1e-16 method=gear "
                 f"{extra_options}".rstrip())
    if seed is not None:
        lines.append(seed_option(seed))
    return lines


def neuron_netlist(
    design: CmosNeuron,
    stim: Stimulus,
    *,
    t_stop: float,
    lib_path: str,
    max_step: float | None = None,
    v_init: float | None = None,
    seed: int | None = None,
    save: Sequence[str] = SAVE_VECTORS,
    free_start: bool = False,
) -> str:
    """Transient of the whole neuron driven by ``stim`` (a current into ``mem``).

    Parameters
    ----------
    t_stop : float
        End of the transient, s.
    lib_path : str
        Model library to ``.include`` (:func:`lifspice.pdk.sky130.corner_lib`).
    max_step : float, optional
        Largest time step, s; default ``t_stop / 2000``.
    v_init : float, optional
        Membrane voltage at t = 0, V (default ``v_reset``: the first interval is then a
        full inter-spike interval without the refractory part).
    seed : int, optional
        Seed for the mismatch / Monte Carlo draws (``.option seed``).
    save : sequence of str
        Vectors to keep; default node voltages of mem, cmp, spike, rst, ext and ``i(vdd)``.
    free_start : bool
        Start from the DC operating point with the membrane free (``v_init`` ignored): the
        membrane sits at the leak's own equilibrium (v_rest plus the OTA offset). Only for
        inputs that start below rheobase.

    Notes
    -----
    The comparator/reset loop has several DC solutions, so the operating point is taken
    with the membrane held at ``v_init`` (below threshold: comparator low, ``ext`` high) by
    ``.ic``, which ngspice releases at t = 0; the bias mirrors start settled.
    """
    check_finite("neuron_netlist", t_stop=t_stop, max_step=max_step, v_init=v_init)
    check_positive("neuron_netlist", "s", t_stop=t_stop)
    n, s = design, spice_number
    v0 = n.v_reset if v_init is None else v_init
    if not 0 <= v0 < n.v_th:
        raise ParameterError(f"v_init {v0!r} V must be in 0 .. v_th ({n.v_th!r} V)")
    step = max_step if max_step is not None else t_stop / 2000
    check_positive("neuron_netlist", "s", max_step=step)
    body = [
        *_header(n, lib_path, seed),
        *neuron_core(n),
        "* stimulus",
        f"{STIM_SOURCE.capitalize()} 0 {NODE_MEM} {stim.spice_value()}",
        f".ic v({NODE_EXT})={s(n.vdd)} v({NODE_CMP})=0"
        + ("" if free_start else f" v({NODE_MEM})={s(v0)}"),
        f".save {' '.join(_save_names(save))}",
        f".tran {s(step)} {s(t_stop)} 0 {s(step)}",
    ]
    return assemble(f"lifspice {n.CIRCUIT} LIF neuron ({n.corner}, {n.temperature_c:g} C)", body)


def _save_names(save: Sequence[str]) -> list[str]:
    out = []
    for name in save:
        kind, _, rest = name.strip().lower().partition("(")
        if kind not in ("v", "i") or not rest.endswith(")"):
            raise ParameterError(f"save vector {name!r} must look like v(node) or i(source)")
        out.append(f"{kind}({safe_name(rest[:-1], 'vector')})")
    return out


def ota_dc_netlist(design: CmosNeuron, lib_path: str, v_lo: float, v_hi: float,
                   step: float, *, seed: int | None = None) -> str:
    """DC sweep of the leak OTA and the reset switch (off): ``Vmem`` drives the membrane
    node (OTA output and - input, switch drain) from ``v_lo`` to ``v_hi`` (V).

    ``Vmem`` supplies what the leak sinks, so ``-i(vmem)`` is the leak current out of the
    membrane (A; ngspice's branch current flows into the + terminal): ``g_m = -d i(vmem)/dV``
    at ``v_rest``, the plateaus are the saturation currents (~ +-i_b) and
    ``i_b / g_m`` the linear range. ``seed`` fixes the mismatch draws (``*_mm`` libraries).
    """
    check_finite("ota_dc_netlist", v_lo=v_lo, v_hi=v_hi, step=step)
    if not (v_hi > v_lo and step > 0):
        raise ParameterError("ota_dc_netlist needs v_hi > v_lo and step > 0 (V)")
    n, s = design, spice_number
    body = [
        *_header(n, lib_path, seed),
        f"{SUPPLY.capitalize()} {SUPPLY} 0 DC {s(n.vdd)}",
        f"{NODE_VREST.capitalize()} {NODE_VREST} 0 DC {s(n.v_rest)}",
        f"Vmem {NODE_MEM} 0 DC {s(n.v_rest)}",
        *leak_ota(n, NODE_MEM),
        # the reset switch, off (its gate held at 0), is the rest of the membrane's DC load:
        # its leakage moves the rheobase by up to 3 % at ff, 85 degC (docs/sizing.md)
        f"{NODE_VRESET.capitalize()} {NODE_VRESET} 0 DC {s(n.v_reset)}",
        f"V{NODE_RESET} {NODE_RESET} 0 DC 0",
        *reset_switch(n),
        f".save i(vmem) i({SUPPLY})",
        f".dc Vmem {s(v_lo)} {s(v_hi)} {s(step)}",
    ]
    return assemble(f"lifspice {n.CIRCUIT} leak OTA DC sweep", body)


def default_step_current(design: CmosNeuron, dv: float = 3e-3, n: float | None = None) -> float:
    """Input step (A) that moves the membrane by about ``dv`` (V) at the guessed g_m."""
    return design.g_m_guess(n) * dv


def step_netlist(
    design: CmosNeuron,
    lib_path: str,
    i_step: float | None = None,
    *,
    t_step: float | None = None,
    t_stop: float | None = None,
    max_step: float | None = None,
) -> str:
    """Subthreshold current step from rest, for tau_m: the whole neuron, membrane at
    ``v_rest``, input 0 until ``t_step`` then ``i_step`` (default: a ~3 mV step).

    Defaults: ``t_step = tau/2``, ``t_stop = t_step + 8 tau`` with tau from
    :meth:`~lifspice.circuits.cmos.neuron.CmosNeuron.lif_guess`,
    ``max_step = tau/200``. The membrane starts at the
    leak's equilibrium (DC operating point), so before ``t_step`` it is flat.
    """
    guess = design.lif_guess()
    tau = guess.tau_m
    i = default_step_current(design) if i_step is None else i_step
    if not 0 < abs(i) < 0.5 * guess.rheobase:
        raise ParameterError(f"step current {i!r} A must be nonzero and well below the "
                             f"rheobase (~{guess.rheobase:.3g} A)")
    t0 = 0.5 * tau if t_step is None else t_step
    stop = t0 + 8 * tau if t_stop is None else t_stop
    return neuron_netlist(design, Step(0.0, i, t0, t_rise=tau * 1e-4), t_stop=stop,
                          lib_path=lib_path, max_step=tau / 200 if max_step is None else max_step,
                          free_start=True)


def rheobase_guess(design: CmosNeuron) -> float:
    """Rheobase predicted by
    :meth:`~lifspice.circuits.cmos.neuron.CmosNeuron.lif_guess` (saturating leak), A."""
    return design.lif_guess().rheobase


__all__ = ["default_step_current", "neuron_netlist", "ota_dc_netlist", "rheobase_guess",
           "step_netlist"]

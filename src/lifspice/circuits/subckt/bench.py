"""Bench of a user's own neuron subcircuit (:mod:`lifspice.circuits.subckt.design`): the kit's
measurements written around an ``X`` instance of it, through its pins only.

The subcircuit is instantiated once as ``x1``; each pin is wired by its role: the membrane to
node ``mem``, the input to ``inp`` (fed by ``Iin``), the spike and reset outputs to ``spk`` and
``rst`` (probed), the supply to ``vdd`` (source ``Vdd``: its current gives the energy), ground to
``0``, a bias to its own source, an open pin to a node of its own. What cannot be read off the
pins is found by first simulations (:mod:`lifspice.flows.probe`): the rest point (``op``), the
membrane admittance ``Y = g + j w C`` (``ac``: C and g) and a firing transient (threshold,
reset, refractory time, to place the leak sweep and the currents); the bench keeps them in
:class:`Probed`.

Pure apart from :meth:`SubcktBench.for_design`, which reads the netlist (to match the pins to
the ``.subckt`` ports) and locates the PDK's corner library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from lifspice.circuits.bench import Probes, SweepResult
from lifspice.circuits.netlist import assemble, spice_number
from lifspice.circuits.params import ParameterError, SaturatingLifParams
from lifspice.circuits.stimulus import DC, Step, Stimulus
from lifspice.circuits.subckt.design import SubcktNeuron
from lifspice.circuits.subckt.hierarchy import subckt_text
from lifspice.circuits.subckt.lines import NetlistError
from lifspice.circuits.subckt.parse import SpiceNetlist, read_netlist
from lifspice.pdk.registry import get_pdk

INSTANCE = "x1"
_NODE = {"membrane": "mem", "input": "inp", "spike": "spk", "reset": "rst", "vdd": "vdd",
         "ground": "0"}
_SUPPLY = "i(vdd)"


@dataclass(frozen=True)
class Probed:
    """What the first simulations found (SI units; :mod:`lifspice.flows.probe`)."""

    v_rest: float  # V, the membrane's own equilibrium with no input
    g: float  # S, Re Y at f_c
    c: float  # F, Im Y / w at f_c
    f_c: float  # Hz, where Im Y = Re Y
    v_th: float  # V, membrane peak before the resets of the probe transient
    v_reset: float  # V
    t_ref: float  # s


@dataclass(frozen=True)
class SubcktBench:
    """Bench for :class:`lifspice.circuits.subckt.design.SubcktNeuron` (module docstring)."""

    design: SubcktNeuron
    ports: tuple[str, ...]
    text: str  # the subcircuit and what it uses, self-contained (absolute paths)
    model_library: Path | None = None
    init_commands: tuple[str, ...] = ()
    probed: Probed | None = None
    kind = "subckt"

    @property
    def pdk(self) -> str | None:
        return None if self.design.pdk == "none" else self.design.pdk

    @classmethod
    def for_design(cls, design: SubcktNeuron) -> SubcktBench:
        """Read the netlist (:func:`lifspice.circuits.subckt.parse.read_netlist`), match the
        pins to the ports, settle the model libraries and locate the kit's; clear errors when
        the file, an include, the subckt or a pin is missing."""
        try:
            netlist = read_netlist(design.netlist)
            sub = netlist.subckt(design.subckt)
        except NetlistError as exc:
            raise ParameterError(str(exc)) from None
        _check_pins(design, sub.ports, netlist.path)
        lib, init = pdk_models(design.pdk, design.corner, kit=design.models == "kit",
                               temperature_c=design.temperature_c)
        own = _model_lines(design, netlist)
        text = subckt_text(netlist, design.subckt, models=False)
        return cls(design=design, ports=tuple(sub.ports), text="".join(own) + text,
                   model_library=lib, init_commands=init)

    def with_probed(self, probed: Probed) -> SubcktBench:
        return replace(self, probed=probed)

    def _need_probe(self) -> Probed:
        if self.probed is None:
            raise RuntimeError("the subckt bench has not been probed yet "
                               "(lifspice.flows.probe.probe_bench)")
        return self.probed

    # wiring --------------------------------------------------------------------------------
    def _node(self, pin: str) -> str:
        spec = dict(self.design.pins)[pin]
        if spec.voltage is not None or spec.current is not None:
            return f"b_{pin}"
        roles = spec.roles
        if "open" in roles:
            return f"nc_{pin}"
        if "membrane" in roles:
            return "mem"
        return _NODE[roles[0]]

    def _wiring(self, input_value: str | None) -> list[str]:
        """Models, the user's netlist, sources and the instance."""
        d, s = self.design, spice_number
        lines = []
        if self.model_library is not None:
            lines.append(f'.include "{self.model_library}"')
        lines += [self.text.rstrip("\n"), f".temp {s(d.temperature_c)}",
                  f".options {d.options}"]
        if d.pin_of("vdd"):
            lines.append(f"Vdd vdd 0 DC {s(d.vdd)}")
        for name, spec in d.pins:
            if spec.voltage is not None:
                lines.append(f"Vb_{name} b_{name} 0 DC {s(spec.voltage)}")
            elif spec.current is not None:
                lines.append(f"Ib_{name} 0 b_{name} DC {s(spec.current)}")
        if input_value is not None:
            inp = self._node(d.pin_of("input"))
            a, b = ("0", inp) if d.input_sign > 0 else (inp, "0")
            lines.append(f"Iin {a} {b} {input_value}")
        nodes = [self._node(self._pin_named(p)) for p in self.ports]
        lines.append(f"{INSTANCE} {' '.join(nodes)} {d.subckt}")
        return lines

    def _pin_named(self, port: str) -> str:
        return next(n for n, _ in self.design.pins if n.lower() == port.lower())

    # Bench protocol ------------------------------------------------------------------------
    @property
    def probes(self) -> Probes:
        d = self.design
        lv = d.logic_level
        return Probes(mem="v(mem)", spike="v(spk)" if d.pin_of("spike") else None,
                      spike_level=lv, reset="v(rst)" if d.pin_of("reset") else None,
                      reset_level=d.reset_logic_level, supply=_SUPPLY if d.pin_of("vdd") else None,
                      vdd=d.vdd)

    @property
    def c_mem(self) -> float:
        """The membrane capacitance: ``c_mem_hint``, else Im Y / w measured at the membrane."""
        if self.design.c_mem_hint is not None:
            return self.design.c_mem_hint
        return self._need_probe().c

    @property
    def reset_overhead(self) -> float:
        return 0.0

    def guess(self) -> SaturatingLifParams:
        """The LIF the probe simulations showed (linear leak: the leak sweep comes later)."""
        p = self._need_probe()
        v_reset = min(p.v_reset, p.v_th - 1e-6)
        return SaturatingLifParams(c_mem=self.c_mem, g_leak=p.g, v_rest=p.v_rest, v_th=p.v_th,
                                   v_reset=v_reset, t_ref=max(p.t_ref, 0.0),
                                   i_b=p.g * 100 * max(p.v_th - v_reset, 1e-3))

    def _save(self, *extra: str) -> str:
        pr = self.probes
        vecs = [pr.mem, *(x for x in (pr.spike, pr.reset, pr.supply) if x), *extra]
        return f".save {' '.join(dict.fromkeys(vecs))}"

    def transient(self, stim: Stimulus, *, t_stop: float, max_step: float,
                  v_mem0: float | None = None) -> str:
        s = spice_number
        step = float(min(max_step, t_stop / 200))
        body = [*self._wiring(stim.spice_value()),
                *([f".ic v(mem)={s(v_mem0)}"] if v_mem0 is not None else []),
                self._save(), f".tran {s(step)} {s(t_stop)} 0 {s(step)}"]
        return assemble(f"lifspice subckt {self.design.subckt}: transient", body)

    def fi_netlist(self, i: float, *, t_stop: float, max_step: float) -> str:
        return self.transient(DC(i), t_stop=t_stop, max_step=max_step,
                              v_mem0=self.guess().v_reset)

    def loaded_netlist(self) -> str:
        """The circuit a Monte Carlo worker keeps loaded and alters: input ``Iin`` at 0 A, a
        1 A AC probe into the membrane, the membrane from the reset level in a transient and
        from rest in the operating point an ``ac`` keeps (``keepopinfo``); no analysis."""
        p = self._need_probe()
        s = spice_number
        body = [*self._wiring("DC 0"), "Iac 0 mem DC 0 AC 1", ".options keepopinfo",
                f".nodeset v(mem)={s(p.v_rest)}", f".ic v(mem)={s(self.guess().v_reset)}",
                self._save()]
        return assemble(f"lifspice subckt {self.design.subckt}: Monte Carlo sample", body)

    def op_netlist(self) -> str:
        """The rest point: no input, membrane free."""
        return assemble(f"lifspice subckt {self.design.subckt}: rest point",
                        [*self._wiring("DC 0"), ".op"])

    def ac_netlist(self, f_lo: float = 1e-3, f_hi: float = 1e10) -> str:
        """Membrane impedance: 1 A AC into the membrane at rest, ``v(mem)`` is 1 / Y."""
        s = spice_number
        body = [*self._wiring("DC 0"), "Iac 0 mem DC 0 AC 1",
                f".ac dec 10 {s(f_lo)} {s(f_hi)}"]
        return assemble(f"lifspice subckt {self.design.subckt}: membrane admittance", body)

    def leak_sweep(self) -> tuple[str, tuple[str, ...]]:
        """The membrane forced from the low rail to a little above the probed threshold,
        no input; the spike output (if any) is saved to drop points where it fired."""
        p = self._need_probe()
        lo, hi = self.design.sweep_range
        swing = max(p.v_th - p.v_reset, 1e-3)
        # past the threshold, and past the rest point of a spontaneously firing circuit
        top = min(hi, max(p.v_th + 0.05 * swing, p.v_rest + 0.1 * swing))
        lo = min(lo, p.v_reset, p.v_rest)
        step = min(1e-3, (top - lo) / 200)
        s = spice_number
        pr = self.probes
        vecs = ("i(vmem)",) + ((pr.spike,) if pr.spike else ())
        body = [*self._wiring("DC 0"), f"Vmem mem 0 DC {s(p.v_rest)}",
                f".save {' '.join(vecs)}", f".dc Vmem {s(lo)} {s(top)} {s(step)}"]
        return assemble(f"lifspice subckt {self.design.subckt}: leak DC sweep", body), vecs

    def leak_current(self, result: SweepResult) -> tuple[np.ndarray, np.ndarray]:
        """(V, current out of the membrane) where the spike output stayed low."""
        v = np.asarray(result.scale, float)
        i = -np.asarray(result["i(vmem)"], float)
        pr = self.probes
        if pr.spike:
            quiet = np.asarray(result[pr.spike], float) < pr.spike_level
            if quiet.sum() >= 10:
                v, i = v[quiet], i[quiet]
        return v, i

    def step_test(self) -> tuple[str, float, float]:
        """A step of ~3 mV at the probed g (at most 5 % of the way to threshold) from rest."""
        p = self._need_probe()
        tau = self.c_mem / p.g
        dv = min(3e-3, 0.05 * abs(p.v_th - p.v_rest)) or 3e-3
        i = p.g * dv
        t0 = 0.5 * tau
        stim = Step(0.0, i, t0, t_rise=tau * 1e-4)
        s = spice_number
        body = [*self._wiring(stim.spice_value()), self._save(),
                f".tran {s(tau / 200)} {s(t0 + 8 * tau)} 0 {s(tau / 200)}"]
        return assemble(f"lifspice subckt {self.design.subckt}: step", body), t0, i

    def extra_report(self, ch) -> dict:
        """The probe's membrane capacitance and corner frequency, and how spikes and the
        refractory time were read (1: from an output pin, 0: from the membrane); the kit
        neuron's comparator offset is null here (no reference voltage is known), with the
        reason under ``null_reasons``."""
        p = self._need_probe()
        pr = self.probes
        return {"c_mem_ac_F": p.c, "ac_corner_Hz": p.f_c,
                "spikes_from_output_pin": float(pr.spike is not None),
                "t_ref_from_reset_pin": float(pr.reset is not None),
                "c_mem_from_hint": float(self.design.c_mem_hint is not None),
                "comparator_offset_V": math.nan, "v_th_reference_V": math.nan,
                "null_reasons": {
                    "comparator_offset_V": "a subcircuit's threshold reference is not known "
                                           "to the kit (v_th_V is the measured trip point)",
                    "v_th_reference_V": "not known for a subcircuit"}}


def probe_currents(g: float, v_rest: float, v_hi: float) -> list[float]:
    """Input currents the probe transient tries, largest first (A): from g (v_hi - v_rest)
    down by factors of 4 to 1e-4 of it."""
    top = g * max(v_hi - v_rest, 0.05)
    return [top * 4.0 ** -k for k in range(8)] if math.isfinite(top) and top > 0 else []


def pdk_models(pdk: str, corner: str, *, kit: bool = True, mismatch: bool = False,
               explicit: bool = False,
               temperature_c: float = 27.0) -> tuple[Path | None, tuple[str, ...]]:
    """(the kit's model library for ``pdk`` at ``corner`` or None, the ngspice commands its
    models need), from :data:`lifspice.pdk.registry.PDKS`. ``explicit``: the explicit-draw
    mismatch library; ``mismatch``: the library whose devices draw their own offsets."""
    if pdk == "none":
        return None, ("set num_threads=1",)
    p = get_pdk(pdk)
    if corner not in p.corners:
        raise ParameterError(f"corner {corner!r} unknown for {pdk}; choose one of {p.corners}")
    init = p.init_commands()
    if explicit:
        return Path(p.explicit_lib(corner, temperature_c)), init
    return (Path(p.corner_lib(corner, mismatch, temperature_c)) if kit else None), init


def _check_pins(design: SubcktNeuron, ports, path: Path) -> None:
    """Every port has a pin entry and every pin entry is a port (any case)."""
    pins = [n for n, _ in design.pins]
    low = {p.lower() for p in ports}
    extra = [p for p in pins if p.lower() not in low]
    missing = [p for p in ports if p.lower() not in {q.lower() for q in pins}]
    if extra or missing:
        raise ParameterError(
            f"{path}: .subckt {design.subckt} has ports {' '.join(ports)}; [pins] "
            + (f"names {extra}, which it does not have" if extra else "")
            + ("; " if extra and missing else "")
            + (f"lacks {missing} (give each port a role or a bias)" if missing else ""))


def _model_lines(design: SubcktNeuron, netlist: SpiceNetlist) -> list[str]:
    """The netlist's own model-library lines to keep: none with ``models = "kit"`` (the kit's
    corner library stands in for a PDK's), all with ``"own"`` (refused where a PDK section
    disagrees with the design's corner)."""
    keep = []
    for m in netlist.models:
        where = f"{m.location}: {m.written.strip()}"
        if not m.exists:
            raise ParameterError(f"{where}: the model file {m.path} does not exist")
        if design.models == "kit" and m.pdk is not None:
            if m.pdk != design.pdk:
                raise ParameterError(
                    f"{where}: models of {m.pdk}, but the design's pdk is {design.pdk!r}; set "
                    f"pdk = \"{m.pdk}\" or models = \"own\"")
            continue  # the kit's corner library replaces it
        if (design.models == "own" and m.pdk is not None and m.section
                and m.section.lower() != design.corner.lower()):
            raise ParameterError(
                f"{where}: section {m.section!r}, but the design's corner is "
                f"{design.corner!r}; give corner = \"{m.section}\" or models = \"kit\" (the "
                "kit's corner library replaces the line)")
        keep.append(m.text + "\n")
    return keep


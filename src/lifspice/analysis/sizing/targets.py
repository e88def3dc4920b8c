"""What the sizer is asked for (:class:`~lifspice.analysis.sizing.targets.SizingTargets`) and what
it returns (:class:`~lifspice.analysis.sizing.targets.SizedDesign`, or
:class:`~lifspice.analysis.sizing.targets.InfeasibleTarget` with the nearest feasible design).
Units: SI (s, V, A, F, m^2, W); temperatures in degC."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from lifspice.circuits.cmos.neuron import CURRENT_RANGE, TOPOLOGIES, CmosNeuron
from lifspice.circuits.kinds import KINDS
from lifspice.circuits.params import ParameterError

#: The neuron the sizer draws on each PDK it knows (``SizingTargets.pdk``).
NEURONS: dict[str, type[CmosNeuron]] = {
    k.design_type.PROCESS.name: k.design_type for k in KINDS.values()
    if issubclass(k.design_type, CmosNeuron)}  # the transistor kinds: sky130, gf180mcu


def neuron_class(pdk: str) -> type[CmosNeuron]:
    """The neuron class (its PROCESS, CORNERS, calibration) of the PDK called ``pdk``."""
    try:
        return NEURONS[pdk]
    except KeyError:
        raise ParameterError(f"the sizer knows no PDK {pdk!r} (pdk, --pdk); choose one of "
                             f"{', '.join(NEURONS)}") from None


class InfeasibleTarget(ParameterError):
    """A sizing target cannot be met; ``nearest`` holds the closest feasible design (or None)."""

    def __init__(self, message: str, nearest: SizedDesign | None = None):
        super().__init__(message)
        self.nearest = nearest



# The CLI option (``lifspice size``) of each target, for the messages.
OPTIONS = {"tau_m": "--tau", "v_rest": "--vrest", "v_th": "--vth", "v_reset": "--vreset",
           "t_ref": "--tref", "max_rate": "--max-rate", "sigma_tau_rel": "--sigma-tau",
           "sigma_vth": "--sigma-vth", "area_max": "--area", "power_max": "--power",
           "corner": "--corner", "temperature_c": "--temp", "temperature_range": "--temp-range",
           "topology": "--topology", "pdk": "--pdk", "vdd": "--vdd"}
# Plausible ranges of the targets (SI): what a sky130 neuron of 1.5 .. 80 pF MIM and
# 0.1 pA .. 10 uA biases can reach, with margins. name -> (low, high, unit).
#: Plausible ranges of the sizing targets: name -> (low, high, unit), SI.
PLAUSIBLE_TARGETS: dict[str, tuple[float, float, str]] = {
    "tau_m": (1e-8, 10.0, "s"),
    "t_ref": (1e-7, 1.0, "s"),
    "max_rate": (1e-3, 1e6, "Hz"),
    "sigma_tau_rel": (1e-4, 1.0, ""),
    "sigma_vth": (1e-5, 0.5, "V"),
    "area_max": (1e-10, 1e-5, "m^2"),   # 100 um^2 .. 10 mm^2
    "power_max": (1e-12, 1e-2, "W"),
    "c_min": (1e-14, 1e-10, "F"),
    "leak_margin": (1.0, 1e4, ""),
    "i_b_floor": CURRENT_RANGE + ("A",),
    "i_cmp": CURRENT_RANGE + ("A",),
}


#: Headroom below vdd (V) of the voltages the neuron's devices must sit under, per PDK
#: (:func:`~lifspice.analysis.sizing.targets.headroom`). v_rest and v_th drive pMOS pairs (leak OTA,
#: comparator) whose sources sit ~0.5 V above the gate with their wells at vdd, and v_reset is the
#: source of the nMOS reset switch driven from vdd. Measured over random sized targets
#: (docs/sizing.md, "Over the sizing space"). sky130 (tt, 27 degC, vdd 1.8 V): designs fired with
#: v_th up to 1.29 V and failed from 1.41 V (1.28 V on the lean topology fired spontaneously);
#: v_rest 1.17 V and v_reset 1.15 V never reset (a 0.42/1 um switch with V_GS = 0.65 V and its
#: source 1.15 V above the bulk sinks ~9 nA), v_reset 1.03 V worked; the limits keep a margin for
#: the slow corner and -40 degC. gf180mcu (vdd 3.3 V), measured at tt 27 degC and at the worst case,
#: ss -40 degC: v_th 2.8 V fired as predicted and 2.85 V 5-25 % off at tt, 2.5 V like 2.2 V and
#: 2.6 V 21-61 % off at ss -40 degC (2.65 V and up never reset); v_reset 2.2 V reset and 2.3 V did
#: not at tt, 2.0 V and 2.1 V at ss -40 degC. v_rest 2.65 V was sized and fired at tt; the sizer's
#: OTA check (its tables at the corner and temperature) refuses higher ones, and at ss -40 degC from
#: 2.5 V.
HEADROOM: dict[str, dict[str, float]] = {
    "sky130": {"v_rest": 0.6, "v_th": 0.6, "v_reset": 0.75},
    "gf180mcu": {"v_rest": 0.6, "v_th": 0.8, "v_reset": 1.3},
}
_HEADROOM_WHY = {
    "v_rest": "the leak OTA's pMOS pair sits a V_GS (~0.5 V) above it and its tail needs "
              "the rest",
    "v_th": "the comparator's pMOS pair sits a V_GS (~0.5 V) above it and its tail needs "
            "the rest",
    "v_reset": "the nMOS reset switch, its source at v_reset, must turn on from vdd",
}


def headroom(pdk: str) -> dict[str, float]:
    """Headroom below vdd (V) of v_rest, v_th and v_reset on ``pdk``
    (:data:`~lifspice.analysis.sizing.targets.HEADROOM`)."""
    neuron_class(pdk)  # an unknown PDK is refused with the choices
    return HEADROOM[pdk]


def _key(name: str) -> str:
    option = OPTIONS.get(name)
    return f"{name}, {option}" if option else name


@dataclass(frozen=True, kw_only=True)
class SizingTargets:
    """What the designer asks for (SI units; temperatures in degC).

    Checked on construction, before any table or simulation: every value finite and
    inside :data:`PLAUSIBLE_TARGETS` (tau_m 10 ns .. 10 s, t_ref 0.1 us .. 1 s, ...), the
    voltages inside the supply (``0 < v_reset < v_th < vdd``, ``v_rest < v_th``) with the
    headroom the devices need below vdd (:data:`HEADROOM`: v_rest, v_th <= vdd - 0.6 V,
    v_reset <= vdd - 0.75 V on sky130; v_th <= vdd - 0.8 V, v_reset <= vdd - 1.3 V on
    gf180mcu), vdd in the PDK's range (sky130 1.2 .. 1.98 V, gf180mcu 2.5 .. 3.63 V),
    temperatures in -40 .. 125 degC, ``max_rate < 1 / t_ref``, a corner of
    the PDK and a topology.

    ``pdk`` (``"sky130"`` or ``"gf180mcu"``, :data:`NEURONS`) chooses the neuron drawn:
    :class:`~lifspice.circuits.cmos.neuron.Sky130Neuron` or
    :class:`~lifspice.circuits.cmos.gf180.Gf180Neuron`. ``vdd`` left ``None`` is the PDK's
    nominal supply (1.8 V, 3.3 V).
    """

    tau_m: float                        # s, membrane time constant at temperature_c
    v_rest: float = 0.4                 # V
    v_th: float = 0.8                   # V
    v_reset: float = 0.4                # V
    t_ref: float = 2e-3                 # s
    max_rate: float | None = None       # Hz, highest firing rate wanted
    sigma_tau_rel: float = 0.05         # sigma(tau_m)/tau_m budget
    sigma_vth: float = 0.01             # V, sigma(V_th) budget (comparator offset)
    area_max: float = 20000e-12         # m^2 (capacitors + gate areas)
    power_max: float = 1e-6             # W, static
    corner: str = "tt"
    temperature_c: float = 27.0         # degC, where tau_m is met
    temperature_range: tuple[float, ...] = (27.0,)  # degC, where the design must work
    vdd: float | None = None            # V, None: the PDK's nominal supply
    # F, smallest membrane MIM: the membrane's parasitics (18 fF by the AC admittance of a
    # sized neuron, 7 % of 0.25 pF) and the OTA mirror's pole stay ~1 % of C, so that the
    # one-state LIF predicts the F-I within 3 % (measured at 0.25 pF: 4-9 % off)
    c_min: float = 1.5e-12
    leak_margin: float = 10.0           # i_b >= leak_margin x leakage into the membrane
    i_b_floor: float = 5e-12            # A, absolute floor of i_b (see size_neuron)
    i_cmp: float = 2e-9                 # A, comparator tail
    topology: str = "reference"         # CmosNeuron.topology: "reference" or "lean"
    pdk: str = "sky130"                 # "sky130" or "gf180mcu" (NEURONS)

    def __post_init__(self) -> None:
        if not isinstance(self.pdk, str):
            raise ParameterError(f"SizingTargets.pdk must be a PDK name (pdk, --pdk), got "
                                 f"{self.pdk!r}")
        cls = neuron_class(self.pdk)
        if self.vdd is None:
            object.__setattr__(self, "vdd", cls.PROCESS.vdd)
        for name in ("tau_m", "t_ref", "sigma_tau_rel", "sigma_vth", "area_max", "power_max",
                     "vdd", "c_min", "leak_margin", "i_cmp", "i_b_floor"):
            v = getattr(self, name)
            if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v)
                                           and v > 0):
                raise ParameterError(f"SizingTargets.{name} must be a finite value > 0 "
                                     f"({_key(name)}), got {v!r}; give it in SI units")
        for name, (lo, hi, unit) in PLAUSIBLE_TARGETS.items():
            v = getattr(self, name)
            if v is not None and not lo <= v <= hi:
                raise ParameterError(
                    f"SizingTargets.{name} = {v!r} {unit} is outside the plausible range "
                    f"{lo:g} .. {hi:g} {unit} ({_key(name)}); check the value and its units")
        self._check_voltages()
        self._check_choices()
        if self.max_rate is not None and self.max_rate * self.t_ref >= 1:
            raise InfeasibleTarget(
                f"SizingTargets.max_rate {self.max_rate:g} Hz is unreachable with t_ref "
                f"{self.t_ref:g} s (max_rate, --max-rate): a neuron fires below 1/t_ref; "
                "lower --max-rate or --tref")

    @property
    def neuron_class(self) -> type[CmosNeuron]:
        """The neuron drawn on :attr:`pdk`."""
        return neuron_class(self.pdk)

    def _check_voltages(self) -> None:
        lo, hi = self.neuron_class.PROCESS.vdd_range
        if not lo <= self.vdd <= hi:
            raise ParameterError(f"SizingTargets.vdd = {self.vdd!r} V is outside {lo:g} .. "
                                 f"{hi:g} V (vdd, --vdd); give a supply inside the {self.pdk} "
                                 "devices' rating")
        for name in ("v_rest", "v_th", "v_reset"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < self.vdd:
                raise ParameterError(f"SizingTargets.{name} = {v!r} V is outside the supply "
                                     f"0 .. {self.vdd:g} V ({_key(name)}); give a voltage "
                                     "inside it")
        for name, room in headroom(self.pdk).items():
            v = getattr(self, name)
            # rounded: 3.3 - 0.6 is 2.6999999999999997 in floats, and the message's 2.7 V
            # must be accepted (gf180 exploration: v_th 2.7 V was refused)
            if v > round(self.vdd - room, 9):
                raise InfeasibleTarget(
                    f"SizingTargets.{name} = {v:g} V is too close to the supply ({_key(name)}): "
                    f"the {self.pdk} neuron needs it at most vdd - {room:g} V = "
                    f"{self.vdd - room:.3g} V ({_HEADROOM_WHY[name]}); lower {name} or "
                    "raise vdd")
        if not self.v_reset < self.v_th:
            raise ParameterError(f"SizingTargets: v_th ({self.v_th!r} V) must be above v_reset "
                                 f"({self.v_reset!r} V) (--vth, --vreset); raise v_th or "
                                 "lower v_reset")
        if not self.v_rest < self.v_th:
            raise ParameterError(f"SizingTargets: v_rest ({self.v_rest!r} V) must be below "
                                 f"v_th ({self.v_th!r} V) (--vrest, --vth), else the neuron "
                                 "fires with no input; lower v_rest or raise v_th")

    def _check_choices(self) -> None:
        corners = self.neuron_class.CORNERS
        if self.corner not in corners:
            raise ParameterError(f"SizingTargets.corner {self.corner!r} is not a {self.pdk} "
                                 f"corner (corner, --corner); choose one of "
                                 f"{', '.join(corners)}")
        if self.topology not in TOPOLOGIES:
            raise ParameterError(f"SizingTargets.topology must be one of {TOPOLOGIES} "
                                 f"(topology, --topology), got {self.topology!r}")
        if not self.temperature_range:
            raise ParameterError("SizingTargets.temperature_range is empty (--temp-range); "
                                 "give at least one temperature in degC")
        lo, hi = self.neuron_class.PROCESS.temperature_range_c
        for name, temps in (("temperature_c", (self.temperature_c,)),
                            ("temperature_range", self.temperature_range)):
            for t in temps:
                if isinstance(t, bool) or not isinstance(t, (int, float)) or not lo <= t <= hi:
                    raise ParameterError(
                        f"SizingTargets.{name}: {t!r} degC is outside {lo:g} .. {hi:g} degC "
                        f"({_key(name)}), where the {self.pdk} models are valid; give "
                        "temperatures inside it")

    @property
    def temperatures(self) -> list[float]:
        """Every temperature a table is needed at (range and nominal), degC."""
        return sorted({float(t) for t in (*self.temperature_range, self.temperature_c)})


@dataclass(frozen=True)
class SizedDesign:
    """The sized neuron and what the tables predict for it."""

    neuron: CmosNeuron                  # Sky130Neuron or Gf180Neuron (targets.pdk)
    targets: SizingTargets
    tau_pred: float                     # s, C_total / G from the tables
    g_leak: float                       # S, predicted OTA conductance at rest
    c_parasitic: float                  # F, gate capacitance on the membrane (tables)
    leakage: dict[float, float]         # degC -> A into the membrane at V_GS = 0
    leakage_ext: dict[float, float]     # degC -> A out of the refractory node
    sigma_tau_rel: float
    sigma_vth: float                    # V
    area: dict[str, float]              # m^2 by part, and "total"
    power: float                        # W, static
    i_in_max: float | None              # A, input for max_rate (saturated leak)
    rheobase: float = math.nan          # A, smallest input that fires (leak current at v_th)
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("neuron", "targets")}
        d["leakage"] = {f"{t:g}": v for t, v in self.leakage.items()}
        d["leakage_ext"] = {f"{t:g}": v for t, v in self.leakage_ext.items()}
        d["notes"] = list(self.notes)
        return d


__all__ = ["HEADROOM", "NEURONS", "InfeasibleTarget", "SizedDesign", "SizingTargets",
           "headroom", "neuron_class"]

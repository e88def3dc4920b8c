"""What the sizer is asked for (:class:`SizingTargets`) and what it returns
(:class:`SizedDesign`, or :class:`InfeasibleTarget` with the nearest feasible design).
Units: SI (s, V, A, F, m^2, W); temperatures in degC."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from lifspice.circuits.params import ParameterError
from lifspice.circuits.sky130.neuron import TOPOLOGIES, Sky130Neuron


class InfeasibleTarget(ParameterError):
    """A sizing target cannot be met; ``nearest`` holds the closest feasible design (or None)."""

    def __init__(self, message: str, nearest: SizedDesign | None = None):
        super().__init__(message)
        self.nearest = nearest



@dataclass(frozen=True, kw_only=True)
class SizingTargets:
    """What the designer asks for (SI units; temperatures in degC)."""

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
    vdd: float = 1.8                    # V
    c_min: float = 0.25e-12             # F, smallest membrane MIM (parasitics stay small)
    leak_margin: float = 10.0           # i_b >= leak_margin x leakage into the membrane
    i_b_floor: float = 5e-12            # A, absolute floor of i_b (see size_neuron)
    i_cmp: float = 2e-9                 # A, comparator tail
    topology: str = "reference"         # Sky130Neuron.topology: "reference" or "lean"

    def __post_init__(self) -> None:
        for name in ("tau_m", "t_ref", "sigma_tau_rel", "sigma_vth", "area_max", "power_max",
                     "vdd", "c_min", "leak_margin", "i_cmp", "i_b_floor"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ParameterError(f"SizingTargets.{name} must be > 0 (SI units), got {v!r}")
        if not 0 < self.v_reset < self.v_th < self.vdd or not 0 < self.v_rest < self.v_th:
            raise ParameterError("SizingTargets: need 0 < v_reset < v_th < vdd and "
                                 f"v_rest < v_th (got {self.v_reset}, {self.v_th}, {self.vdd})")
        if self.max_rate is not None and not self.max_rate > 0:
            raise ParameterError(f"SizingTargets.max_rate must be > 0 Hz, got {self.max_rate!r}")
        if self.topology not in TOPOLOGIES:
            raise ParameterError(f"SizingTargets.topology must be one of {TOPOLOGIES}, "
                                 f"got {self.topology!r}")
        if not self.temperature_range:
            raise ParameterError("SizingTargets.temperature_range is empty")

    @property
    def temperatures(self) -> list[float]:
        """Every temperature a table is needed at (range and nominal), degC."""
        return sorted({float(t) for t in (*self.temperature_range, self.temperature_c)})


@dataclass(frozen=True)
class SizedDesign:
    """The sized neuron and what the tables predict for it."""

    neuron: Sky130Neuron
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


__all__ = ["InfeasibleTarget", "SizedDesign", "SizingTargets"]

"""A user's own neuron: a ``.subckt`` in a netlist file, measured through its pins only.

A design file with ``circuit = "subckt"`` names the netlist, the subcircuit, the models to load
and what each port of the ``.subckt`` line is::

    circuit = "subckt"
    netlist = "my_neuron.spice"   # relative to the design file
    subckt  = "my_neuron"
    pdk     = "sky130"            # or "none" for ideal elements
    corner  = "tt"
    temp    = 27.0
    vdd     = 1.8

    [pins]
    vm  = "membrane"              # required
    iin = "input"                 # required: the test currents go in here
    out = "spike"                 # optional digital spike output
    vdd = "vdd"
    vss = "ground"                # required
    vb1 = { voltage = 0.45 }      # DC source from the pin to ground, V
    ib2 = { current = 1e-9 }      # DC current into the pin, A

Roles: ``membrane``, ``input``, ``ground`` (required), ``spike`` (a digital output rising at
each spike), ``reset`` (a digital output high while the membrane is held: the refractory
time is its width; without it, the time the membrane is held after each reset), ``vdd``
(driven at ``vdd``; its current gives the static power and the energy per spike) and ``open``
(left unconnected). A pin may take two roles as a list (``vm = ["membrane", "input"]``).

:class:`SubcktNeuron` holds these values, checked; reading the netlist and matching the pins
to the ``.subckt`` ports is the bench's job (:mod:`lifspice.circuits.subckt.bench`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from lifspice.circuits.params import ParameterError
from lifspice.pdk.registry import PDKS as REGISTERED_PDKS

ROLES = ("membrane", "input", "ground", "spike", "reset", "vdd", "open")
REQUIRED_ROLES = ("membrane", "input", "ground")
PDKS = (*REGISTERED_PDKS, "none")
#: ngspice options of every bench netlist unless the design gives its own ``options``.
DEFAULT_OPTIONS = "reltol=1e-4 abstol=1e-15 gmin=1e-15 chgtol=1e-16 method=gear"


@dataclass(frozen=True)
class PinSpec:
    """What one port of the ``.subckt`` is: roles, or a bias source (SI units)."""

    roles: tuple[str, ...] = ()
    voltage: float | None = None  # V, a DC source from the pin to ground
    current: float | None = None  # A, a DC current into the pin

    def to_value(self) -> Any:
        if self.voltage is not None:
            return {"voltage": self.voltage}
        if self.current is not None:
            return {"current": self.current}
        return self.roles[0] if len(self.roles) == 1 else list(self.roles)


def _pin(name: str, value: Any) -> PinSpec:
    where = f"[pins] {name}"
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)):
        roles = tuple(str(r).lower() for r in value)
        bad = [r for r in roles if r not in ROLES]
        if bad or not roles:
            raise ParameterError(f"{where}: unknown role {bad or value!r}; a pin is one of "
                                 f"{', '.join(ROLES)}, or {{ voltage = V }} / {{ current = A }}")
        return PinSpec(roles=roles)
    if isinstance(value, Mapping) and len(value) == 1:
        (key, x), = value.items()
        if key in ("voltage", "current"):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                raise ParameterError(f"{where}: {key} must be a finite number (SI units), "
                                     f"got {x!r}")
            return PinSpec(**{key: float(x)})
    raise ParameterError(f"{where} = {value!r}: give a role ({', '.join(ROLES)}), a list of "
                         "roles, { voltage = V } or { current = A }")


@dataclass(frozen=True)
class SubcktNeuron:
    """A user's neuron subcircuit and how the kit drives it (see the module docstring)."""

    netlist: str  # absolute path of the netlist file
    subckt: str
    pins: tuple[tuple[str, PinSpec], ...]
    pdk: str = "none"
    corner: str = "tt"
    temperature_c: float = 27.0
    vdd: float | None = None  # V
    c_mem_hint: float | None = None  # F, instead of the AC measurement
    input_sign: int = 1  # -1: the input draws current out of its pin
    spike_level: float | None = None  # V, default vdd / 2 (0.5 V without vdd)
    reset_level: float | None = None  # V, where the reset output counts as on (default vdd / 2)
    v_lo: float | None = None  # V, lowest membrane voltage the leak sweep forces
    v_hi: float | None = None  # V, highest
    options: str = DEFAULT_OPTIONS
    models: str = "kit"  # "kit": the kit's corner library; "own": the netlist's own

    def __post_init__(self) -> None:
        name = "subckt design"
        if not self.subckt or not isinstance(self.subckt, str):
            raise ParameterError(f"{name}: give subckt = the name of the .subckt to measure")
        if self.pdk not in PDKS:
            raise ParameterError(f"{name}: pdk {self.pdk!r} unknown; choose one of {PDKS}")
        if self.models not in ("kit", "own"):
            raise ParameterError(f"{name}: models must be 'kit' (the kit's corner library "
                                 f"replaces the netlist's model lines) or 'own', got "
                                 f"{self.models!r}")
        if self.input_sign not in (1, -1):
            raise ParameterError(f"{name}: input_sign must be 1 or -1, got {self.input_sign!r}")
        for key in ("vdd", "c_mem_hint"):
            x = getattr(self, key)
            if x is not None and not (math.isfinite(x) and x > 0):
                raise ParameterError(f"{name}: {key} must be > 0 (SI units), got {x!r}")
        if any(c in self.options for c in "\n\r"):
            raise ParameterError(f"{name}: options is one line of ngspice .options")
        roles = [r for _, p in self.pins for r in p.roles]
        for role in REQUIRED_ROLES:
            if role not in roles:
                raise ParameterError(
                    f"{name}: no pin has the role {role!r}; [pins] must name the membrane, the "
                    "input and the ground pin (e.g. vm = \"membrane\")")
        for role in set(roles):
            if role != "open" and roles.count(role) > 1:
                raise ParameterError(f"{name}: more than one pin has the role {role!r}")
        if "vdd" in roles and self.vdd is None:
            raise ParameterError(f"{name}: a pin has the role 'vdd'; give vdd = supply in V")
        lo, hi = self.sweep_range
        if not hi > lo:
            raise ParameterError(f"{name}: v_lo ({lo!r} V) must be below v_hi ({hi!r} V)")

    # ---------------------------------------------------------------------------------------
    def pin_of(self, role: str) -> str | None:
        """The pin with ``role``, or None."""
        return next((n for n, p in self.pins if role in p.roles), None)

    @property
    def sweep_range(self) -> tuple[float, float]:
        """(lowest, highest) membrane voltage the kit may force, in volts: ``v_lo`` and
        ``v_hi``, by default the rails (0 to vdd; -1 to 2 V for a circuit without a supply
        pin)."""
        lo = self.v_lo if self.v_lo is not None else (0.0 if self.vdd else -1.0)
        hi = self.v_hi if self.v_hi is not None else (self.vdd if self.vdd else 2.0)
        return float(lo), float(hi)

    @property
    def logic_level(self) -> float:
        """Level at which the spike output switches, in volts."""
        if self.spike_level is not None:
            return float(self.spike_level)
        return 0.5 * self.vdd if self.vdd else 0.5

    @property
    def reset_logic_level(self) -> float:
        """Level above which the reset output holds the membrane, in volts (``reset_level``,
        else the spike output's level)."""
        return self.logic_level if self.reset_level is None else float(self.reset_level)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            x = getattr(self, f.name)
            if f.name == "pins":
                out["pins"] = {n: p.to_value() for n, p in x}
            elif x is not None:
                out[f.name] = x
        return out

    @staticmethod
    def keys() -> list[str]:
        return [f.name for f in fields(SubcktNeuron)] + ["temp"]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SubcktNeuron:
        """From the keys of a design file (``netlist`` made absolute by the reader)."""
        d = dict(d)
        unknown = sorted(set(d) - set(cls.keys()))
        if unknown:
            raise ParameterError(f"unknown design key(s) {unknown} for circuit 'subckt'; "
                                 f"valid keys: {sorted(cls.keys())}")
        if "temp" in d:
            d["temperature_c"] = d.pop("temp")
        for key in ("netlist", "subckt", "pins"):
            if key not in d:
                raise ParameterError(f"a subckt design needs {key!r} (see lifspice.circuits."
                                     "subckt.design)")
        pins = d.pop("pins")
        if not isinstance(pins, Mapping) or not pins:
            raise ParameterError("[pins] must be a table: port name = role or bias")
        d["pins"] = tuple((str(n), _pin(str(n), v)) for n, v in pins.items())
        d["netlist"] = str(Path(d["netlist"]))
        for key in ("temperature_c", "vdd", "c_mem_hint", "spike_level", "reset_level", "v_lo",
                    "v_hi", "input_sign"):
            if key in d and d[key] is not None:
                x = d[key]
                if isinstance(x, bool) or not isinstance(x, (int, float)):
                    raise ParameterError(f"subckt design: {key} = {x!r} must be a number in SI "
                                         "units (e.g. vdd = 1.8)")
                d[key] = int(x) if key == "input_sign" else float(x)
        return cls(**d)

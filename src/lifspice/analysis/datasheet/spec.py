"""Datasheet specs: which quantities, their limits, and the conditions they must hold over.

A spec is TOML (or a CACE-style YAML subset,
:func:`~lifspice.analysis.datasheet.cace.parse_cace_yaml`)::

    title = "sky130_lean neuron"

    [conditions]                   # the conditions measured (each once)
    corners = ["tt", "ss", "ff", "sf", "fs"]
    temperatures_c = [-40, 27, 85]
    vdd_V = [1.62, 1.98]           # supply condition (a PDK design)
    currents = ["2x", 6e-10]       # A, or multiples of the measured rheobase; the first is
                                   # where corners and Monte Carlo measure V_th, t_ref, energy
    samples = 200                  # Monte Carlo samples (--samples overrides)
    seed = 1

    [parameters.tau_m]             # a parameter: its name, and the quantity (default: name)
    minimum = 0.9e-3               # SI units; leave a limit out for none
    typical = 1.0e-3
    maximum = 1.1e-3
    conditions = ["nominal", "corners", "montecarlo"]

    [parameters.rate_2x]
    quantity = "rate"
    current = "2x"
    minimum = 100.0

    [parameters.sigma_tau]
    quantity = "tau_m"
    statistic = "cv"               # Monte Carlo: value (each sample), mean, std or cv
    conditions = ["montecarlo"]
    maximum = 0.05

Pure: dicts in, :class:`Spec` out; :class:`~lifspice.circuits.params.ParameterError` names
the file, the parameter and the key at fault and lists the valid choices.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lifspice.analysis.datasheet.cace import parse_cace_yaml
from lifspice.circuits.params import ParameterError


@dataclass(frozen=True)
class Quantity:
    """A quantity the kit measures: its unit and where each condition holds it.

    ``nominal``, ``cell`` and ``sample`` are the keys of the characterization's report.json,
    of a corner cell (:func:`lifspice.flows.montecarlo.corners.run_corners`) and of a Monte
    Carlo sample (``{k}`` is the current's index); None where that condition has no value."""

    name: str
    unit: str
    label: str
    nominal: str | None
    cell: str | None
    sample: str | None


#: Every quantity a spec may name.
QUANTITIES: dict[str, Quantity] = {q.name: q for q in (
    Quantity("tau_m", "s", "membrane time constant", "tau_m_s", "tau_m_s", "tau_m_s"),
    Quantity("g_m", "S", "leak conductance at rest", "gm_S", "gm_S", "gm_S"),
    Quantity("v_rest", "V", "resting potential", "v_rest_V", "v_rest_V", "v_rest_V"),
    Quantity("v_th", "V", "threshold (trip point; membrane at firing in corners/MC)",
             "v_th_V", "v_th_V", "v_th_V"),
    Quantity("v_reset", "V", "reset potential", "v_reset_V", None, "v_reset_V"),
    Quantity("t_ref", "s", "refractory time", "t_ref_s", "t_ref_s", "t_ref_s"),
    Quantity("rheobase", "A", "rheobase (smallest input that fires)", "rheobase_A", None, None),
    Quantity("rate", "Hz", "firing rate at a current", "rate_Hz_i{k}", "rate_Hz",
             "rate_Hz_i{k}"),
    Quantity("fi_gain", "Hz/A", "F-I gain (slope of the firing F-I points)", "fi_gain_Hz_per_A",
             None, None),
    Quantity("energy_per_spike", "J", "energy per spike (dynamic)", "energy_per_spike_J",
             "energy_per_spike_J", "energy_per_spike_J"),
    Quantity("static_power", "W", "static power", "static_power_W", None, "static_power_W"),
    Quantity("area", "m^2", "device area (sum of W L m)", "area_m2", None, None),
    Quantity("comparator_offset", "V", "comparator offset (trip point - reference)",
             "comparator_offset_V", None, None),
    Quantity("prediction_error", "", "F-I: RMS relative error of the LIF predicted from the "
             "measurements", "prediction_rms_rel_error", None, None),
    Quantity("theory_error", "", "F-I: RMS relative error of the textbook LIF of the design's "
             "own values", "theory_rms_rel_error", None, None),
    Quantity("yield", "", "Monte Carlo yield (samples that work and meet every value limit)",
             None, None, "yield"),
)}
#: Conditions a parameter can be measured over.
CONDITIONS = ("nominal", "corners", "supply", "montecarlo")
#: Monte Carlo statistics: each sample against the limits (``value``), or one number.
STATISTICS = ("value", "mean", "std", "cv")
PARAMETER_KEYS = ("quantity", "description", "minimum", "typical", "maximum", "conditions",
                  "current", "statistic", "yield_min", "corners", "temperatures_c")
CONDITION_KEYS = ("corners", "temperatures_c", "vdd_V", "currents", "samples", "seed")
PDK_CORNERS = ("tt", "ss", "ff", "sf", "fs")


@dataclass(frozen=True, kw_only=True)
class SpecParameter:
    """One row of a datasheet (SI units; None: no limit)."""

    name: str
    quantity: str
    description: str = ""
    minimum: float | None = None
    typical: float | None = None
    maximum: float | None = None
    conditions: tuple[str, ...] = ("nominal",)
    current: str | None = None  # rate: "2x" (times the measured rheobase) or amps as text
    statistic: str = "value"
    yield_min: float = 1.0  # Monte Carlo ``value``: pass when this fraction meets the limits
    corners: tuple[str, ...] | None = None  # of the grid (None: every corner)
    temperatures_c: tuple[float, ...] | None = None

    @property
    def unit(self) -> str:
        if self.statistic == "cv" and "montecarlo" in self.conditions:
            return ""
        return QUANTITIES[self.quantity].unit

    @property
    def has_limits(self) -> bool:
        return self.minimum is not None or self.maximum is not None


@dataclass(frozen=True, kw_only=True)
class Spec:
    """A datasheet spec: the parameters and the conditions measured."""

    parameters: tuple[SpecParameter, ...]
    title: str = ""
    corners: tuple[str, ...] = PDK_CORNERS
    temperatures_c: tuple[float, ...] = (-40.0, 27.0, 85.0)
    vdd_V: tuple[float, ...] = ()
    currents: tuple[str, ...] = ("2x",)
    samples: int = 100
    seed: int = 1
    source: str = "default"  # the file, or what the default was derived from

    def conditions_used(self) -> set[str]:
        return {c for p in self.parameters for c in p.conditions}

    def to_dict(self) -> dict:
        return {"title": self.title, "source": self.source,
                "conditions": {"corners": list(self.corners),
                               "temperatures_c": list(self.temperatures_c),
                               "vdd_V": list(self.vdd_V), "currents": list(self.currents),
                               "samples": self.samples, "seed": self.seed},
                "parameters": {p.name: {k: (list(v) if isinstance(v, tuple) else v)
                                        for k, v in vars(p).items() if k != "name"}
                               for p in self.parameters}}


def _number(value: Any, where: str) -> float | None:
    """A limit: a number, a numeric text, or "any"/None for no limit."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("any", "")):
        return None
    if isinstance(value, bool):
        raise ParameterError(f"{where}: {value!r} is not a number; give a value in SI units")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{where}: {value!r} is not a number; give a value in SI units "
                             "(e.g. 1e-3 for 1 ms) or leave the limit out") from None
    if not math.isfinite(x):
        raise ParameterError(f"{where}: {value!r} is not finite; give a value in SI units")
    return x


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, (list, tuple)) else [value]
    if not all(isinstance(v, str) for v in items):
        raise ParameterError(f"{where}: give a list of names, got {value!r}")
    return tuple(v.strip().lower() for v in items)


def _current(value: Any, where: str) -> str:
    """A current as text: a number (A) or a multiple of the rheobase ("2x")."""
    text = str(value).strip().lower()
    try:
        x = float(text[:-1] if text.endswith("x") else text)
    except ValueError:
        x = math.nan
    if isinstance(value, bool) or not (math.isfinite(x) and x > 0):
        raise ParameterError(f"{where}: {value!r} is no current; give a current in A (> 0) or "
                             "a multiple of the rheobase like 2x")
    return text if text.endswith("x") else repr(x)


def _parameter(name: str, table: Any, where: str) -> SpecParameter:
    here = f"{where}: parameter {name!r}"
    if not isinstance(table, dict):
        raise ParameterError(f"{here}: give a table of keys ({', '.join(PARAMETER_KEYS)})")
    unknown = sorted(set(table) - set(PARAMETER_KEYS))
    if unknown:
        raise ParameterError(f"{here}: unknown key {unknown[0]!r}; valid keys: "
                             f"{', '.join(PARAMETER_KEYS)}")
    quantity = str(table.get("quantity", name)).strip().lower()
    if quantity not in QUANTITIES:
        raise ParameterError(f"{here}: unknown quantity {quantity!r}; valid quantities: "
                             f"{', '.join(QUANTITIES)}")
    conditions = _strings(table.get("conditions", ["montecarlo"] if quantity == "yield"
                                    else ["nominal"]), f"{here}: conditions")
    for c in conditions:
        if c not in CONDITIONS:
            raise ParameterError(f"{here}: unknown condition {c!r}; valid conditions: "
                                 f"{', '.join(CONDITIONS)}")
    statistic = str(table.get("statistic", "value")).strip().lower()
    if statistic not in STATISTICS:
        raise ParameterError(f"{here}: unknown statistic {statistic!r}; valid statistics: "
                             f"{', '.join(STATISTICS)}")
    p = SpecParameter(
        name=name, quantity=quantity, description=str(table.get("description", "")),
        minimum=_number(table.get("minimum"), f"{here}: minimum"),
        typical=_number(table.get("typical"), f"{here}: typical"),
        maximum=_number(table.get("maximum"), f"{here}: maximum"),
        conditions=conditions, statistic=statistic,
        current=None if table.get("current") is None else _current(table["current"],
                                                                    f"{here}: current"),
        yield_min=_number(table.get("yield_min", 1.0), f"{here}: yield_min"),
        corners=None if "corners" not in table else _strings(table["corners"],
                                                             f"{here}: corners"),
        temperatures_c=None if "temperatures_c" not in table else tuple(
            _number(t, f"{here}: temperatures_c") for t in table["temperatures_c"]))
    _check_parameter(p, here)
    return p


def _check_parameter(p: SpecParameter, here: str) -> None:
    q = QUANTITIES[p.quantity]
    if p.minimum is not None and p.maximum is not None and p.minimum > p.maximum:
        raise ParameterError(f"{here}: minimum {p.minimum:g} is above maximum {p.maximum:g}")
    if not 0.0 <= p.yield_min <= 1.0:
        raise ParameterError(f"{here}: yield_min {p.yield_min:g} must be in 0..1")
    if p.quantity == "rate" and p.current is None:
        raise ParameterError(f"{here}: a rate needs current = the input, in A or like 2x "
                             "(times the measured rheobase)")
    if p.statistic != "value" and p.conditions != ("montecarlo",):
        raise ParameterError(f"{here}: statistic {p.statistic!r} is a Monte Carlo number; "
                             "give conditions = [\"montecarlo\"] alone")
    keys = {"nominal": q.nominal, "corners": q.cell, "supply": q.cell, "montecarlo": q.sample}
    for c in p.conditions:
        if keys[c] is None:
            valid = [k for k, v in keys.items() if v is not None]
            raise ParameterError(f"{here}: {p.quantity} is not measured under {c!r}; "
                                 f"valid conditions for it: {', '.join(valid)}")
    for c in p.corners or ():
        if c not in PDK_CORNERS:
            raise ParameterError(f"{here}: unknown corner {c!r}; valid corners: "
                                 f"{', '.join(PDK_CORNERS)}")


def spec_from_dict(data: dict, where: str = "spec") -> Spec:
    """A :class:`Spec` from the tables of a spec file (see the module docstring)."""
    unknown = sorted(set(data) - {"title", "conditions", "parameters"})
    if unknown:
        raise ParameterError(f"{where}: unknown key {unknown[0]!r}; a spec holds title, "
                             "[conditions] and [parameters.NAME] tables")
    cond = data.get("conditions", {})
    if not isinstance(cond, dict):
        raise ParameterError(f"{where}: conditions must be a table")
    bad = sorted(set(cond) - set(CONDITION_KEYS))
    if bad:
        raise ParameterError(f"{where}: [conditions] unknown key {bad[0]!r}; valid keys: "
                             f"{', '.join(CONDITION_KEYS)}")
    params = data.get("parameters")
    if not isinstance(params, dict) or not params:
        raise ParameterError(f"{where}: no parameters; give at least one [parameters.NAME] "
                             "table (e.g. [parameters.tau_m] with minimum/maximum)")
    parameters = tuple(_parameter(str(n), t, where) for n, t in params.items())
    spec = Spec(parameters=parameters, title=str(data.get("title", "")), source=where)
    return with_conditions(spec, cond, where)


def with_conditions(spec: Spec, cond: dict, where: str) -> Spec:
    """``spec`` with the ``[conditions]`` table applied and checked, and every rate
    parameter's current among its currents."""
    changes: dict[str, Any] = {}
    if "corners" in cond:
        changes["corners"] = _strings(cond["corners"], f"{where}: conditions.corners")
        for c in changes["corners"]:
            if c not in PDK_CORNERS:
                raise ParameterError(f"{where}: conditions.corners: unknown corner {c!r}; "
                                     f"valid corners: {', '.join(PDK_CORNERS)}")
    for key in ("temperatures_c", "vdd_V"):
        if key in cond:
            values = cond[key] if isinstance(cond[key], (list, tuple)) else [cond[key]]
            changes[key] = tuple(_number(v, f"{where}: conditions.{key}") for v in values)
            if None in changes[key]:
                raise ParameterError(f"{where}: conditions.{key}: give numbers")
    if "currents" in cond:
        values = cond["currents"] if isinstance(cond["currents"], list) else [cond["currents"]]
        changes["currents"] = tuple(_current(v, f"{where}: conditions.currents")
                                    for v in values)
    for key, low in (("samples", 0), ("seed", 0)):
        if key in cond:
            v = cond[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ParameterError(f"{where}: conditions.{key} must be an integer >= {low}, "
                                     f"got {v!r}")
            changes[key] = v
    spec = replace(spec, **changes)
    currents = list(spec.currents)
    for p in spec.parameters:
        if p.current is not None and p.current not in currents:
            currents.append(p.current)
        if p.quantity == "rate" and {"corners", "supply"} & set(p.conditions) \
                and p.current != currents[0]:
            raise ParameterError(
                f"{where}: parameter {p.name!r}: corners and supply measure the rate at the "
                f"reference current only (the first of conditions.currents: {currents[0]}); "
                f"give current = {currents[0]!r} or put {p.current} first")
    return replace(spec, currents=tuple(currents))


def read_spec(path: str | Path) -> Spec:
    """A spec from a TOML file, or a CACE-style YAML file (``.yaml``/``.yml``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"spec file {path} does not exist (--spec)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ParameterError(f"--spec {path}: not UTF-8 text; save the spec as UTF-8") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        data = parse_cace_yaml(text, str(path))
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ParameterError(f"--spec {path}: not valid TOML ({e})") from None
    return spec_from_dict(data, f"--spec {path}")


def check_for_design(spec: Spec, valid_conditions: tuple[str, ...]) -> None:
    """Refuse a spec whose conditions the design cannot be measured under (corners and
    supply need a design on a PDK), listing the valid ones."""
    for p in spec.parameters:
        for c in p.conditions:
            if c not in valid_conditions:
                raise ParameterError(f"{spec.source}: parameter {p.name!r}: condition {c!r} "
                                     f"does not apply to this design; valid conditions: "
                                     f"{', '.join(valid_conditions)}")
    if "montecarlo" in spec.conditions_used() and spec.samples < 1:
        raise ParameterError(f"{spec.source}: Monte Carlo parameters need samples >= 1 "
                             "(--samples)")


__all__ = ["CONDITIONS", "QUANTITIES", "STATISTICS", "Quantity", "Spec", "SpecParameter",
           "check_for_design", "parse_cace_yaml", "read_spec", "spec_from_dict",
           "with_conditions"]

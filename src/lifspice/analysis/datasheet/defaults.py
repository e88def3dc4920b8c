"""The spec a design gets without ``--spec``: from the sizing targets where the design came
from ``lifspice size`` (its ``sizing.json``), else from the design's own values.

The limits are what a designer would sign off first, and wide enough that a sound design
of the kit passes at its nominal conditions:

- from sizing targets: tau_m within 5 % of the target (the sizer meets 2 %), V_th and
  V_reset within 20 mV, t_ref within 15 %, the rate at the sized input current within 5 %
  below ``max_rate``, static power under ``power_max``, area under ``area_max``, the
  Monte Carlo cv of tau_m under ``sigma_tau_rel`` and sigma(V_th) under ``sigma_vth``;
  corners at the target's temperatures;
- from the design's values (the LIF its values make, the ``guess`` of its
  :class:`~lifspice.circuits.kinds.Kind`),
  at nominal, over the corners and for 95 % of the Monte Carlo samples:
  tau_m within 20 % of C/g (the sky130 g_m guess assumes a slope factor 1.5), V_th and
  V_reset within 25 mV, t_ref within 25 %, the rate at 2x the rheobase within 25 % of the
  saturating-leak LIF of those values (the textbook one can be silent there: a sky130 OTA
  saturates long before threshold), the kit's F-I prediction within 5 % RMS;
- a subcircuit has no values to derive limits from: its quantities are listed as measured
  (status ``info``) with the F-I prediction within 5 % RMS.

Every design on a PDK is measured over the corner grid (tt ss ff sf fs x -40 27 85 degC),
and every design with Monte Carlo samples gets a 95 % yield line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lifspice.analysis import theory
from lifspice.analysis.datasheet.spec import Spec, SpecParameter, with_conditions
from lifspice.circuits.params import SaturatingLifParams

PREDICTION_MAX = 0.05  # RMS relative error of the kit's F-I prediction
YIELD_MIN = 0.95


def _p(name: str, quantity: str, conditions=("nominal",), **kw: Any) -> SpecParameter:
    return SpecParameter(name=name, quantity=quantity, conditions=tuple(conditions), **kw)


def _band(typ: float, rel: float) -> dict[str, float]:
    lo, hi = sorted((typ * (1 - rel), typ * (1 + rel)))
    return {"minimum": lo, "typical": typ, "maximum": hi}


def _volts(typ: float, dv: float) -> dict[str, float]:
    return {"minimum": typ - dv, "typical": typ, "maximum": typ + dv}


def _common(on_pdk: bool, samples: int, energy: bool = True) -> list[SpecParameter]:
    """Measured everywhere, limits only where every design can be held to them (``energy``:
    the design has a supply whose current gives the energy per spike)."""
    out = [_p("rheobase", "rheobase"),
           _p("prediction_error", "prediction_error", maximum=PREDICTION_MAX)]
    if energy:
        out += [_p("energy_per_spike", "energy_per_spike", ("nominal",)),
                _p("static_power", "static_power", ("nominal",))]
    if on_pdk:
        out.append(_p("area", "area"))
    if samples:
        out += [_p("sigma_tau_m", "tau_m", ("montecarlo",), statistic="cv",
                   description="Monte Carlo cv of tau_m"),
                _p("sigma_v_th", "v_th", ("montecarlo",), statistic="std",
                   description="Monte Carlo sigma of V_th"),
                _p("yield", "yield", ("montecarlo",), minimum=YIELD_MIN)]
    return out


def spec_from_sizing(sizing: Mapping[str, Any], *, samples: int, source: str) -> Spec:
    """The default spec of a design written by ``lifspice size`` (its ``sizing.json``)."""
    t = sizing["targets"]
    params = [
        _p("tau_m", "tau_m", **_band(t["tau_m"], 0.05)),
        _p("v_th", "v_th", **_volts(t["v_th"], 0.02)),
        _p("v_reset", "v_reset", **_volts(t["v_reset"], 0.02)),
        _p("t_ref", "t_ref", **_band(t["t_ref"], 0.15)),
    ]
    common = {p.name: p for p in _common(True, samples)}
    if sizing.get("i_in_max_A") and t.get("max_rate"):
        params.append(_p("max_rate", "rate", current=repr(float(sizing["i_in_max_A"])),
                         minimum=0.95 * t["max_rate"], typical=t["max_rate"],
                         description="rate at the sized input current (max_rate target)"))
    common["static_power"] = _p("static_power", "static_power", maximum=t["power_max"])
    common["area"] = _p("area", "area", maximum=t["area_max"])
    if samples:
        common["sigma_tau_m"] = _p("sigma_tau_m", "tau_m", ("montecarlo",), statistic="cv",
                                   maximum=t["sigma_tau_rel"],
                                   description="Monte Carlo cv of tau_m")
        common["sigma_v_th"] = _p("sigma_v_th", "v_th", ("montecarlo",), statistic="std",
                                  maximum=t["sigma_vth"], description="Monte Carlo sigma of V_th")
    temps = tuple(float(x) for x in t.get("temperature_range") or (27.0,))
    spec = Spec(parameters=tuple(params + list(common.values())),
                title="datasheet against the sizing targets", samples=samples,
                temperatures_c=tuple(sorted({*temps, float(t.get("temperature_c", 27.0))})),
                source=source)
    return with_conditions(spec, {}, source)


def spec_from_design(guess: SaturatingLifParams | None, *, on_pdk: bool, samples: int,
                     source: str, energy: bool = True) -> Spec:
    """The default spec from a design's own values (``guess``: its LIF from its values, or
    None for a subcircuit, whose quantities are then only listed)."""
    grid = ("corners",) if on_pdk else ()
    mc = ("montecarlo",) if samples else ()
    over = {"nominal": ("nominal",), "cells": ("nominal", *grid, *mc),
            "mc": ("nominal", *mc)}
    if guess is None:
        params = [_p(q, q, over[w]) for q, w in (("tau_m", "cells"), ("v_th", "cells"),
                                                 ("v_reset", "mc"), ("t_ref", "cells"))]
        params.append(_p("rate_2x", "rate", over["cells"], current="2x"))
    else:
        rate = float(theory.rate_saturating(guess, 2.0 * guess.rheobase))
        y = {"yield_min": YIELD_MIN}
        params = [
            _p("tau_m", "tau_m", over["cells"], **_band(guess.tau_m, 0.2), **y),
            _p("v_th", "v_th", over["cells"], **_volts(guess.v_th, 0.025), **y),
            _p("v_reset", "v_reset", over["mc"], **_volts(guess.v_reset, 0.025), **y),
            _p("t_ref", "t_ref", over["cells"], **_band(guess.t_ref, 0.25), **y)
            if guess.t_ref > 0 else _p("t_ref", "t_ref", over["cells"]),
            _p("rate_2x", "rate", over["cells"], current="2x", **_band(rate, 0.25), **y,
               description="firing rate at 2x the rheobase, against the saturating-leak "
                           "LIF of the design's values"),
        ]
    spec = Spec(parameters=tuple(params + _common(on_pdk, samples, energy)),
                title="datasheet against the design's own values", samples=samples,
                source=source)
    return with_conditions(spec, {}, source)


__all__ = ["PREDICTION_MAX", "YIELD_MIN", "spec_from_design", "spec_from_sizing"]

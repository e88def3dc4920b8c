"""The neuron kinds lifspice knows: design class, bench and design-file reader of each.

A design file's ``circuit`` key names its kind; :func:`~lifspice.circuits.kinds.make_bench` gives
any design its bench (:class:`lifspice.circuits.bench.Bench`).  A new kind of neuron adds one
:class:`~lifspice.circuits.kinds.Kind` to :data:`~lifspice.circuits.kinds.KINDS`; nothing else in
the kit switches on the kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from lifspice.circuits.behavioral.bench import BehavioralBench
from lifspice.circuits.behavioral.neuron import BehavioralNeuron
from lifspice.circuits.bench import Bench
from lifspice.circuits.cmos.bench import CmosBench
from lifspice.circuits.cmos.gf180 import Gf180Neuron
from lifspice.circuits.cmos.neuron import Sky130Neuron
from lifspice.circuits.params import ParameterError, SaturatingLifParams
from lifspice.circuits.subckt.bench import SubcktBench
from lifspice.circuits.subckt.design import SubcktNeuron


@dataclass(frozen=True)
class Kind:
    """One kind of neuron.

    Attributes
    ----------
    name : str
        The ``circuit`` key of its design files.
    design_type : type
        Its design class.
    from_dict : callable
        Design from the flat keys of a design file (``circuit`` and ``name`` removed).
    bench : callable
        Bench of a design (may locate models: a PDK's library).
    guess : callable
        The saturating-leak LIF a design is meant to be, from its values alone (no models,
        no simulation).
    nominal : callable
        The design at its nominal conditions (a PDK design: typical corner, 27 degC), where
        currents given as multiples of the rheobase are reckoned.
    """

    name: str
    design_type: type
    from_dict: Callable[[Mapping[str, Any]], Any]
    bench: Callable[[Any], Bench]
    guess: Callable[[Any], SaturatingLifParams]
    nominal: Callable[[Any], Any]


def _pdk_nominal(design):
    return replace(design, corner="tt", temperature_c=27.0)


def _subckt_guess(design: SubcktNeuron) -> SaturatingLifParams:
    raise ParameterError(
        f"a subckt neuron ({design.subckt}) has no LIF known from its values alone: it is "
        "found by simulation (lifspice characterize); give currents in A, not as multiples "
        "of the rheobase")


#: The neuron kinds by the ``circuit`` key of their design files.
KINDS: dict[str, Kind] = {
    "behavioral": Kind("behavioral", BehavioralNeuron, BehavioralNeuron.from_dict,
                       BehavioralBench.for_design, BehavioralNeuron.saturating_params,
                       lambda design: design),
    "sky130": Kind("sky130", Sky130Neuron, Sky130Neuron.from_dict, CmosBench.for_design,
                   Sky130Neuron.lif_guess, _pdk_nominal),
    "gf180": Kind("gf180", Gf180Neuron, Gf180Neuron.from_dict, CmosBench.for_design,
                  Gf180Neuron.lif_guess, _pdk_nominal),
    "subckt": Kind("subckt", SubcktNeuron, SubcktNeuron.from_dict, SubcktBench.for_design,
                   _subckt_guess, _pdk_nominal),
}


def kind_of(design: Any) -> Kind:
    """The :class:`Kind` of a design object."""
    for kind in KINDS.values():
        if type(design) is kind.design_type:
            return kind
    raise TypeError(f"no neuron kind for {type(design).__name__}; kinds: {sorted(KINDS)}")


def make_bench(design: Any) -> Bench:
    """The bench for ``design`` (any registered kind of neuron)."""
    return kind_of(design).bench(design)

"""Which Monte Carlo sample measurer each kind of neuron has, and the dispatch to it.

A design's kind (:func:`lifspice.circuits.kinds.kind_of`, the ``circuit`` key of its design file)
names its :class:`~lifspice.flows.montecarlo.measurers.SampleMeasurer` in
:data:`~lifspice.flows.montecarlo.measurers.MEASURERS`. A new kind of neuron adds one entry here
(and its kind in :data:`lifspice.circuits.kinds.KINDS`); the sweep, the executors, the corners and
the CLI ask the measurer what they need and never switch on the kind themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lifspice.circuits.cmos.neuron import CmosNeuron
from lifspice.circuits.kinds import KINDS, kind_of
from lifspice.flows.montecarlo.behavioral_sample import behavioral_keys, measure_behavioral
from lifspice.flows.montecarlo.cmos_sample import alter_refusal, cmos_keys, measure_cmos
from lifspice.flows.montecarlo.sample import STOPPED_WINDOW_ISI, SampleSpec
from lifspice.flows.montecarlo.subckt_sample import measure_subckt, subckt_alter_refusal
from lifspice.pdk.registry import get_pdk


@dataclass(frozen=True)
class SampleMeasurer:
    """How the samples of one kind of neuron are drawn and measured.

    Attributes
    ----------
    kind : str
        The kind (:data:`lifspice.circuits.kinds.KINDS` key).
    measure : callable
        ``measure(sim, spec) -> dict``: the quantities of one sample (SI units); raises on
        failure.
    quantity_keys : callable
        ``quantity_keys(n_currents) -> list[str]``: the float keys ``measure`` returns.
    pdk : str or None
        The PDK whose mismatch (``SampleSpec.draw``), process variation (``mc``) and
        corners the samples draw, as the kind's bench says (``Bench.pdk``); None: the
        samples draw :class:`~lifspice.flows.montecarlo.sample.Spreads` in Python.
    nominal_window_isi : float or None
        Transient length of the drawn samples in nominal ISIs, where ngspice stops each run
        at the cycle's end (None: each sample's own predicted window).
    alter_refusal : callable, optional
        ``alter_refusal(spec) -> str | None``: why an ``alter`` draw cannot draw the
        mismatch of ``spec`` (None: it can).
    process_mc_note : callable, optional
        ``process_mc_note() -> str | None``: what the PDK's process-variation section does
        not draw, for the summary of an ``mc`` sweep.
    """

    kind: str
    measure: Callable[[Any, SampleSpec], dict]
    quantity_keys: Callable[[int], list[str]]
    pdk: str | None = None
    nominal_window_isi: float | None = None
    alter_refusal: Callable[[SampleSpec], str | None] | None = None
    process_mc_note: Callable[[], str | None] | None = None

    @property
    def draws_pdk_mismatch(self) -> bool:
        """True: the PDK's own mismatch is drawn (by ``alter`` or setseed + reset)."""
        return self.pdk is not None


def cmos_measurer(kind: str, pdk: str) -> SampleMeasurer:
    """The measurer of the kit's transistor neuron on ``pdk`` (any
    :class:`~lifspice.circuits.cmos.neuron.CmosNeuron` kind:
    :mod:`lifspice.flows.montecarlo.cmos_sample`)."""
    return SampleMeasurer(kind, measure_cmos, cmos_keys, pdk=pdk,
                          nominal_window_isi=STOPPED_WINDOW_ISI, alter_refusal=alter_refusal,
                          process_mc_note=get_pdk(pdk).mc_note)


#: The Monte Carlo sample measurer of each neuron kind, by kind name: one per transistor-neuron
#: kind (sky130, gf180: :func:`cmos_measurer` on its PDK), the behavioral and subckt ones.
MEASURERS: dict[str, SampleMeasurer] = {
    "behavioral": SampleMeasurer("behavioral", measure_behavioral, behavioral_keys),
    **{name: cmos_measurer(name, kind.design_type.PROCESS.name) for name, kind in KINDS.items()
       if issubclass(kind.design_type, CmosNeuron)},
    "subckt": SampleMeasurer("subckt", measure_subckt, cmos_keys, pdk="sky130",
                             alter_refusal=subckt_alter_refusal),
}


def measurer_of(design: Any) -> SampleMeasurer:
    """The :class:`SampleMeasurer` of ``design``'s kind (needs no PDK)."""
    name = kind_of(design).name
    try:
        return MEASURERS[name]
    except KeyError:
        raise TypeError(f"no Monte Carlo sample measurer for neuron kind {name!r}; "
                        f"measurers: {sorted(MEASURERS)}") from None


def quantity_keys(design: Any, n_currents: int) -> list[str]:
    """The float quantities :func:`measure_sample` returns for this kind of design."""
    return measurer_of(design).quantity_keys(n_currents)


def measure_sample(sim, spec: SampleSpec) -> dict:
    """Measure one sample; returns ``{"index", "seed", <quantities>}`` (SI units, NaN for
    a quantity that does not apply, e.g. the threshold of a silent neuron).

    ``sim`` is the worker's simulator; a PDK kind may use the process's shared ngspice
    session directly (the circuit stays loaded between samples). Raises on failure (the
    engine records the message).
    """
    values = measurer_of(spec.design).measure(sim, spec)
    return {"index": spec.index, "seed": spec.seed, **values}

"""The bench protocol: what the flows need from a neuron of any kind.

A bench turns a design into netlist text for each measurement (neuron transient, leak DC sweep,
subthreshold step, F-I point), names the nodes extraction reads
(:class:`~lifspice.circuits.bench.Probes`), says which models and ngspice commands the netlists
need, and adds what only its kind can report.  Benches are pure (netlist text; a sky130 bench has
located its model library when it was made) and picklable, so F-I points can be shipped to pool
workers.  Each neuron kind has one (:mod:`lifspice.circuits.kinds` picks it); a new kind of neuron
implements :class:`~lifspice.circuits.bench.Bench` and registers there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from lifspice.circuits.params import SaturatingLifParams
from lifspice.circuits.stimulus import Stimulus


@dataclass(frozen=True)
class Probes:
    """Node names and levels extraction uses (canonical vector names)."""

    mem: str
    spike: str | None  # comparator output; a spike is its rising crossing of spike_level
    #                    (None: a spike is a reset of the membrane, lifspice.analysis.events)
    spike_level: float
    reset: str | None  # reset drive; the reset is on while above reset_level (None: the
    #                    reset lasts while the membrane is held, lifspice.analysis.events)
    reset_level: float
    supply: str | None = None  # supply source current vector, for energy per spike
    vdd: float | None = None  # V

    @property
    def transient_vectors(self) -> tuple[str, ...]:
        vecs = tuple(x for x in (self.mem, self.spike, self.reset) if x is not None)
        return vecs + ((self.supply,) if self.supply else ())


class SweepResult(Protocol):
    """What :meth:`Bench.leak_current` reads from a simulation result."""

    scale: Sequence[float]

    def __getitem__(self, vector: str) -> Sequence[float]: ...


@runtime_checkable
class Bench(Protocol):
    """The measurements of one neuron, as netlist text, and how to read them (SI units).

    Attributes
    ----------
    kind : str
        Circuit kind, the ``circuit`` key of a design file (``"behavioral"``, ``"sky130"``).
    design : object
        The neuron (a frozen dataclass with ``to_dict()``).
    pdk : str or None
        The PDK whose device mismatch a Monte Carlo draws (None: ideal elements only).
    model_library : Path or None
        The model library the netlists include (None: no models).
    init_commands : tuple of str
        ngspice commands the netlists need, sent once per ngspice session.
    probes : Probes
        Node names and logic levels extraction uses.
    c_mem : float
        Membrane capacitance, F.
    reset_overhead : float
        Time each reset adds beyond t_ref, s (0 where the reset is what t_ref measures).
    """

    kind: str
    design: Any
    pdk: str | None
    model_library: Path | None
    init_commands: tuple[str, ...]

    @property
    def probes(self) -> Probes: ...

    @property
    def c_mem(self) -> float: ...

    @property
    def reset_overhead(self) -> float:
        """Time each reset adds beyond the measured t_ref (an ideal reset's hold and edges), s;
        the default F-I range stops where it reaches 0.1 % of the ISI."""
        ...

    def guess(self) -> SaturatingLifParams:
        """The saturating-leak LIF the design is meant to be (places runs and currents)."""
        ...

    def transient(self, stim: Stimulus, *, t_stop: float, max_step: float,
                  v_mem0: float | None = None) -> str:
        """The whole neuron driven by ``stim`` (s, s; membrane from ``v_mem0``, V)."""
        ...

    def fi_netlist(self, i: float, *, t_stop: float, max_step: float) -> str:
        """The neuron at constant input ``i`` (A) from v_reset, saving mem and spike."""
        ...

    def leak_sweep(self) -> tuple[str, tuple[str, ...]]:
        """DC sweep netlist of the leak alone and the vectors to save."""
        ...

    def leak_current(self, result: SweepResult) -> tuple[Any, Any]:
        """(membrane voltage V, current out of the membrane A) from the sweep."""
        ...

    def step_test(self) -> tuple[str, float, float]:
        """Subthreshold step netlist, the step time (s) and its current (A)."""
        ...

    def extra_report(self, ch: Any) -> Mapping[str, Any]:
        """Fields only this kind reports (plain floats, NaN for unknown), for report.json,
        and optionally ``null_reasons``: key -> why it is unknown; ``ch`` is the
        :class:`~lifspice.flows.characterize.Characterization`."""
        ...

"""Write a kit neuron as a ``.subckt`` file and the ``circuit = "subckt"`` design file that
measures it (``lifspice netlist --subckt``; :mod:`lifspice.circuits.subckt.export`)."""

from __future__ import annotations

from pathlib import Path

from lifspice.circuits.kinds import kind_of
from lifspice.circuits.params import ParameterError
from lifspice.circuits.subckt.export import EXPORTS, SubcktExport


def subckt_export(design) -> SubcktExport:
    """The :class:`~lifspice.circuits.subckt.export.SubcktExport` of a kit design."""
    kind = kind_of(design).name
    if kind not in EXPORTS:
        raise ParameterError(f"a {kind!r} design cannot be written as a subckt; kinds that "
                             f"can: {sorted(EXPORTS)}")
    return EXPORTS[kind](design)


def write_subckt(design, folder: str | Path, stem: str | None = None) -> tuple[Path, Path]:
    """Write ``<stem>.spice`` (the subcircuit) and ``<stem>.toml`` (its design file, netlist
    path relative to it) into ``folder``; return both paths."""
    import tomli_w

    ex = subckt_export(design)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or ex.name
    spice, toml = folder / f"{stem}.spice", folder / f"{stem}.toml"
    spice.write_text(ex.text)
    keys = {**ex.design, "netlist": spice.name}
    head = (f"# {ex.name}: a kit neuron written as a subcircuit (lifspice netlist --subckt).\n"
            f"# Characterize it as a foreign circuit: lifspice characterize --design {toml.name}\n")
    toml.write_text(head + tomli_w.dumps(keys))
    return spice, toml

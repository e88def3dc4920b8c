"""The netlists of the shipped reference designs, as checked in under ``netlists/``.

``python -m lifspice.io.golden netlists`` rewrites them; the tests check the generators still
produce them byte for byte.  Absolute model-library paths are replaced by ``<PDK_LIB>``
so the files do not depend on the machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lifspice.analysis.theory.saturating import isi_saturating
from lifspice.circuits.kinds import make_bench
from lifspice.circuits.stimulus import DC
from lifspice.io.design import load_design, reference_designs


def design_netlists(design, *, portable: bool = False) -> dict[str, str]:
    """Netlist text of each measurement of a characterization, by name; ``portable``
    replaces the model library path by ``<PDK_LIB>``."""
    bench = make_bench(design)
    g = bench.guess()
    i = 2 * max(g.rheobase, 1e-15)
    t_stop = 4.5 * float(isi_saturating(g, i))
    texts = {
        "transient": bench.transient(DC(i), t_stop=t_stop, max_step=t_stop / 2000),
        "leak_dc": bench.leak_sweep()[0],
        "step": bench.step_test()[0],
    }
    lib = bench.model_library
    if portable and lib is not None:
        texts = {k: v.replace(str(lib), "<PDK_LIB>") for k, v in texts.items()}
    return texts


def write_golden(folder: Path, names=None) -> list[Path]:
    out = []
    for name in names or reference_designs():
        d = Path(folder) / name
        d.mkdir(parents=True, exist_ok=True)
        for key, text in design_netlists(load_design(name), portable=True).items():
            p = d / f"{key}.cir"
            p.write_text(text)
            out.append(p)
    return out


if __name__ == "__main__":  # pragma: no cover
    for p in write_golden(Path(sys.argv[1] if len(sys.argv) > 1 else "netlists")):
        print(p)

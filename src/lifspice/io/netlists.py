"""Write a design's netlists so that they run where they are written, and after the folder
is copied elsewhere on a machine with the same PDK install.

The folder gets each netlist, the model library they include (copied beside them and
included by its bare name, not by its path in the user's cache) and a ``.spiceinit`` with
the commands the models need, so ``ngspice -b -r out.raw transient.cir`` run inside the
folder works as it is.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from lifspice.circuits.bench import Bench

SPICEINIT_HEADER = "* written by lifspice: what the netlists of this folder need\n"


def write_netlists(texts: Mapping[str, str], bench: Bench, folder: str | Path) -> dict[str, Path]:
    """Write ``texts`` (name -> netlist) as ``<name>.cir`` into ``folder``, with the bench's
    model library and ``.spiceinit``; return the paths by name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lib = bench.model_library
    if lib is not None:
        shutil.copyfile(lib, folder / lib.name)
        texts = {k: v.replace(f'"{lib}"', f'"{lib.name}"') for k, v in texts.items()}
    if bench.init_commands:
        (folder / ".spiceinit").write_text(
            SPICEINIT_HEADER + "".join(f"{c}\n" for c in bench.init_commands))
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / f"{name}.cir"
        paths[name].write_text(text)
    return paths

"""The notebooks run top to bottom (at a small size: the first cell's sizes are overridden)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NB = Path(__file__).resolve().parents[1] / "notebooks"
pytestmark = pytest.mark.slow  # 5-9 s each: a kernel start and the runs


def _notebooks():
    """Each notebook, marked sky130 when it loads a sky130 design (those run the models)."""
    for path in sorted(NB.glob("*.ipynb")):
        uses_pdk = "sky130" in "".join(c.source for c in nbformat.read(path, as_version=4).cells
                                       if c.cell_type == "code")
        yield pytest.param(path.name, marks=[pytest.mark.sky130] if uses_pdk else [])


@pytest.mark.parametrize("name", list(_notebooks()))
def test_notebook_executes(name, tmp_path):
    nb = nbformat.read(NB / name, as_version=4)
    env_backup = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        if env_backup is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = env_backup
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors

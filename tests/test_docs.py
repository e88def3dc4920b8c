"""The documentation site builds: no missing document, broken toctree entry, missing include
or image, no module the API reference cannot import; the pages a reader opens first exist,
and a notebook page shows a figure from its stored outputs (the notebooks are not executed
here: ``nb_execution_mode = "off"``)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

pytest.importorskip("sphinx")
pytest.importorskip("myst_nb")


def _checker():
    spec = importlib.util.spec_from_file_location("check_warnings", DOCS / "check_warnings.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    html, warnings = out / "html", out / "warnings.txt"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "--keep-going",
         "-D", "nb_execution_mode=off", "-d", str(out / "doctrees"), "-w", str(warnings),
         str(DOCS), str(html)],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return html, warnings.read_text() if warnings.exists() else ""


def test_checker_sorts_warnings():
    """The classifier fails page/toctree/include warnings and only reports docstring ones
    (else the build test below could pass on a broken site)."""
    check = _checker()
    fatal, reported = check.classify(
        "/r/docs/index.md:30: WARNING: toctree contains reference to nonexisting document "
        "'nope' [toc.not_readable]\n"
        "/r/docs/sizing.md:3: WARNING: Problems with \"include\" directive path\n"
        "/r/docs/index.md:12: WARNING: image file not readable: figures/x.png "
        "[image.not_readable]\n"
        "/r/src/lifspice/sim/loaded.py:docstring of lifspice.sim.loaded.f:14: WARNING: "
        "Field list ends without a blank line; unexpected unindent. [docutils]\n"
        "/r/src/lifspice/a.py:docstring of lifspice.a:4: WARNING: Title underline too short.\n"
        "\nTitle\n---- [docutils]\n")
    assert len(fatal) == 3 and len(reported) == 2


@pytest.mark.slow
def test_docs_build(site):
    html, warnings = site
    fatal, _reported = _checker().classify(warnings)
    assert not fatal, "\n".join(fatal)
    for page in ("index.html", "api.html", "sizing.html", "montecarlo.html",
                 "noise_adaptation_export.html",
                 "generated/lifspice.analysis.theory.html"):
        assert (html / page).is_file(), page
    theory = (html / "generated/lifspice.analysis.theory.html").read_text()
    assert "lifspice.analysis.theory.ideal" in theory   # the subpackage lists its modules
    # a notebook page with a figure embedded from a stored output cell
    with_figures = [p.name for p in sorted((html / "notebooks").glob("*.html"))
                    if re.search(r'class="cell_output[^"]*".*?<img [^>]*src="[^"]+\.png"',
                                 p.read_text(), re.S)]
    assert with_figures, "no notebook page shows an output image (run make notebooks)"
    for name in with_figures:   # and the image files themselves were copied
        text = (html / "notebooks" / name).read_text()
        for src in re.findall(r'<img [^>]*src="(\.\./_images/[^"]+)"', text):
            assert (html / "notebooks" / src).resolve().is_file(), src

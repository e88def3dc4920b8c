"""Netlists written by ``lifspice netlist`` (and ``characterize``) run where they are written
and after the folder is moved: the model library is copied beside them and included by its
bare name, and a ``.spiceinit`` carries the commands the models need. With ``--bundle`` the
folder also holds the PDK's model files, included by relative paths, and runs after the
original models are gone."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lifspice.circuits.kinds import make_bench
from lifspice.cli import main
from lifspice.io import netlists
from lifspice.io.design import load_design
from lifspice.io.golden import design_netlists
from lifspice.io.netlists import write_netlists
from lifspice.pdk import includes
from lifspice.sim.batch import read_raw


@pytest.mark.parametrize("design", [pytest.param("sky130", marks=pytest.mark.sky130),
                                    "behavioral"])
def test_netlists_run_after_the_folder_is_moved(tmp_path, design, capsys):
    assert main(["netlist", "--design", design, "--out", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    moved = tmp_path / "elsewhere" / "b"
    shutil.move(tmp_path / "a", moved)
    for cir in ("leak_dc.cir", "step.cir"):
        text = (moved / cir).read_text()
        assert "/.cache/" not in text  # nothing points into the user's cache
        run = subprocess.run(["ngspice", "-b", "-r", "out.raw", cir], cwd=moved,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        data, _ = read_raw(moved / "out.raw")
        assert all(np.all(np.isfinite(np.real(v))) for v in data.values())
    data, _ = read_raw(moved / "out.raw")  # the step: the membrane moves by the step's ~mV
    v = np.real(data["v(mem)"])
    assert 1e-4 < np.ptp(v) < 0.05


# --- bundle: the folder carries the PDK's model files too ------------------------------------

def _include_paths(folder):
    """(file, line, target, resolved) of every include in every file of ``folder``."""
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".raw"):
        for inc in includes.include_lines(path.read_text(errors="surrogateescape")):
            out.append((path, inc.line, inc.target, (path.parent / inc.target).resolve()))
    return out


def _private_pdk_copy(lib, root):
    """A copy below ``root`` of ``lib`` and every file it reaches (each at ``root`` + its
    absolute path, so relative includes still resolve), the copied library's absolute
    includes pointed at the copies; returns the copied library."""
    found, missing = includes.include_closure(
        lambda n: Path(n).read_text(errors="surrogateescape") if Path(n).is_file() else None,
        str(lib))
    assert missing == [] and str(lib) in found
    for name in found:
        copy = root / name.lstrip("/")
        copy.parent.mkdir(parents=True, exist_ok=True)
        text = Path(name).read_text(errors="surrogateescape")
        copy.write_text(includes.rewrite_includes(
            text, lambda t: str(root) + t if t.startswith("/") else t), errors="surrogateescape")
    return root / str(lib).lstrip("/")


def _step_v_mem(folder):
    run = subprocess.run(["ngspice", "-b", "-r", "out.raw", "step.cir"], cwd=folder,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    data, _ = read_raw(folder / "out.raw")
    return np.real(data["time"]), np.real(data["v(mem)"])


@pytest.mark.parametrize("design", [pytest.param("sky130", marks=pytest.mark.sky130), "gf180"])
def test_bundle_runs_without_the_pdk(tmp_path, design, capsys):
    # the command: every include of the folder is relative and stays inside it
    assert main(["netlist", "--design", design, "--out", str(tmp_path / "cli"), "--bundle"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(r"bundled \d+ model files, [\d.]+ MB \(\d+ bytes\): .*", line), line
    moved = tmp_path / "elsewhere" / "cli"
    shutil.move(tmp_path / "cli", moved)
    found = _include_paths(moved)
    assert {p.name for p, *_ in found} >= {"step.cir", "transient.cir", "leak_dc.cir"}
    bundled = {p.resolve() for p in (moved / "models").rglob("*") if p.is_file()}
    assert bundled and bundled <= {resolved for *_, resolved in found}  # each one included
    for path, line_no, target, resolved in found:
        assert not Path(target).is_absolute() and not target.startswith("~"), (path, line_no)
        assert resolved.is_file() and resolved.is_relative_to(moved), (path, line_no, target)
    assert not any(p.name == "out.raw" for p in moved.rglob("*"))

    # ngspice: a bundle made from a private copy of the models, which is then deleted
    design_obj = load_design(design)
    bench = make_bench(design_obj)
    texts = design_netlists(design_obj)
    ref = tmp_path / "ref"
    write_netlists({"step": texts["step"]}, bench, ref)
    t_ref, v_ref = _step_v_mem(ref)
    lib = _private_pdk_copy(bench.model_library, tmp_path / "pdk")
    private = {"step": texts["step"].replace(f'"{bench.model_library}"', f'"{lib}"')}
    write_netlists(private, replace(bench, model_library=lib), tmp_path / "b", bundle=True)
    shutil.rmtree(tmp_path / "pdk")
    shutil.move(tmp_path / "b", tmp_path / "elsewhere" / "b")
    t, v = _step_v_mem(tmp_path / "elsewhere" / "b")
    # the same models, the same netlist: the same numbers (differences seen: none)
    np.testing.assert_allclose(t, t_ref, rtol=1e-9)
    np.testing.assert_allclose(v, v_ref, rtol=1e-9)
    assert 1e-4 < np.ptp(v) < 0.05


def test_include_rewriting_on_written_text():
    text = ('* a library\n.lib tt\n.include "a dir/a.spice"\n  .INC b.spice\n'
            ".lib 'sub/c.spice' ss  $ the slow corner\n.Lib ../d.spice tt\n"
            "* .include commented.spice\n.endl tt\n.include ~/e.spice\n")
    got = includes.include_lines(text)
    assert [(i.line, i.target, i.section, i.quote) for i in got] == [
        (3, "a dir/a.spice", "", '"'), (4, "b.spice", "", ""), (5, "sub/c.spice", "ss", "'"),
        (6, "../d.spice", "tt", ""), (9, "~/e.spice", "", "")]
    new = includes.rewrite_includes(text, lambda t: "m/" + t.replace("~/", "home "))
    assert new == ('* a library\n.lib tt\n.include "m/a dir/a.spice"\n  .INC m/b.spice\n'
                   ".lib 'm/sub/c.spice' ss  $ the slow corner\n.Lib m/../d.spice tt\n"
                   '* .include commented.spice\n.endl tt\n.include "m/home e.spice"\n')
    assert includes.rewrite_includes(text, lambda t: t) == text
    assert includes.resolve_include("/x/lib/top.lib", "../m/a.spice") == "/x/m/a.spice"
    assert includes.resolve_include("/x/top.lib", "/abs/a.spice") == "/abs/a.spice"
    assert includes.resolve_include("/x/top.lib", "~/a.spice") == str(Path.home() / "a.spice")


def test_bundle_of_nested_relative_includes(tmp_path):
    src = tmp_path / "pdk"
    (src / "lib" / "deep").mkdir(parents=True)
    (src / "other").mkdir()
    (src / "lib" / "top.lib").write_text(
        f'.lib "{src}/lib/deep/m.spice" tt\n.include \'../other/p.spice\'\n')
    (src / "lib" / "deep" / "m.spice").write_text(
        ".lib tt\n.INCLUDE ../../other/q.spice\n.endl tt\n")
    (src / "other" / "p.spice").write_text(".param p=1\n")
    (src / "other" / "q.spice").write_text(".param q=2\n")
    bundle = netlists.bundle_models(src / "lib" / "top.lib", tmp_path / "out")
    out = tmp_path / "out"
    assert sorted(str(p.relative_to(out)) for p in bundle.files) == [
        "models/lib/deep/m.spice", "models/other/p.spice", "models/other/q.spice", "top.lib"]
    assert bundle.size_bytes == sum(p.stat().st_size for p in bundle.files)
    assert (out / "top.lib").read_text() == (
        '.lib "models/lib/deep/m.spice" tt\n.include \'models/other/p.spice\'\n')
    assert (out / "models/lib/deep/m.spice").read_text() == (
        ".lib tt\n.INCLUDE ../../other/q.spice\n.endl tt\n")
    assert netlists.bundled_files(out / "top.lib").files[0] == out / "top.lib"
    (src / "other" / "q.spice").unlink()
    with pytest.raises(netlists.MissingModelFileError,
                       match=rf"{src}/lib/deep/m.spice:2: includes {src}/other/q.spice"):
        netlists.bundle_models(src / "lib" / "top.lib", tmp_path / "out2")

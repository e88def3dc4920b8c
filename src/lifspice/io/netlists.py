"""Write a design's netlists so that they run where they are written, and after the folder
is copied elsewhere: on a machine with the same PDK install, or, bundled, on any machine.

The folder gets each netlist, the model library they include (copied beside them and
included by its bare name, not by its path in the user's cache) and a ``.spiceinit`` with
the commands the models need, so ``ngspice -b -r out.raw transient.cir`` run inside the
folder works as it is. That library still includes the PDK's model files by their absolute
paths; ``bundle=True`` also copies every file it reaches (through ``.include``, ``.inc`` and
``.lib <file> <section>``, recursively: :func:`lifspice.pdk.includes.include_closure`) into
``models/``, keeping their layout below their common folder, and rewrites each include to a
path relative to the including file, so the folder needs nothing outside itself.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lifspice.circuits.bench import Bench
from lifspice.pdk.includes import include_closure, resolve_include, rewrite_includes

SPICEINIT_HEADER = "* written by lifspice: what the netlists of this folder need\n"
#: The folder of a bundle's model files, below the netlists' folder.
MODELS_DIR = "models"
# bytes in, the same bytes out: model files are not all UTF-8
_ENCODING = {"encoding": "utf-8", "errors": "surrogateescape"}


class MissingModelFileError(FileNotFoundError):
    """A model file includes a file that is not there."""


@dataclass(frozen=True)
class ModelBundle:
    """The model files a bundle holds: the library beside the netlists, then ``models/``."""

    files: tuple[Path, ...]

    @property
    def size_bytes(self) -> int:
        """Their total size, in bytes."""
        return sum(p.stat().st_size for p in self.files)

    def summary(self) -> str:
        """One line: how many files, how large."""
        return (f"bundled {len(self.files)} model files, {self.size_bytes / 1e6:.2f} MB "
                f"({self.size_bytes} bytes): the folder needs no PDK install")


def write_netlists(texts: Mapping[str, str], bench: Bench, folder: str | Path, *,
                   bundle: bool = False) -> dict[str, Path]:
    """Write ``texts`` (name -> netlist) as ``<name>.cir`` into ``folder``, with the bench's
    model library and ``.spiceinit``; return the paths by name.

    With ``bundle``, the files the library includes go to ``folder/models/``
    (:func:`bundle_models`), so the folder runs on a machine without the PDK."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lib = bench.model_library
    if lib is not None:
        if bundle:
            bundle_models(lib, folder)
        else:
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


def _read_model(name: str) -> str | None:
    path = Path(name)
    return path.read_text(**_ENCODING) if path.is_file() else None


def _closure(lib: str | Path) -> tuple[str, list[str]]:
    start = posixpath.normpath(Path(os.path.abspath(lib)).as_posix())
    found, missing = include_closure(_read_model, start)
    if missing:
        parent, line, name = missing[0]
        raise MissingModelFileError(
            f"{parent}:{line}: includes {name}, which is not a file" if parent
            else f"no model library {name}")
    return start, [n for n in found if n != start]


def bundled_files(library: str | Path) -> ModelBundle:
    """The files a bundle's library (the copy beside the netlists) reaches, itself first;
    raises :class:`~lifspice.io.netlists.MissingModelFileError` if one is missing."""
    start, others = _closure(library)
    return ModelBundle(files=tuple(Path(n) for n in [start, *others]))


def bundle_models(lib: str | Path, folder: str | Path) -> ModelBundle:
    """Copy the model library ``lib`` into ``folder`` (by its own name) and every file it
    reaches through includes into ``folder/models/`` (their layout below their common folder
    kept), each include rewritten to a path relative to the including file's copy.

    Raises
    ------
    MissingModelFileError
        When an included file is not there; the message names the including file and line.
    """
    start, others = _closure(lib)
    root = posixpath.commonpath([posixpath.dirname(n) for n in others]) if others else ""
    copies = {start: Path(folder) / Path(start).name}
    copies |= {n: Path(folder, MODELS_DIR, posixpath.relpath(n, root)) for n in others}
    for name, copy in copies.items():
        text = _read_model(name)
        here = posixpath.dirname(copy.as_posix())
        rewritten = rewrite_includes(text, lambda target, name=name, here=here: posixpath.relpath(
            copies[resolve_include(name, target)].as_posix(), here))
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(rewritten, **_ENCODING)
    return ModelBundle(files=tuple(copies.values()))

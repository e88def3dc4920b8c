"""Sort the warnings of a Sphinx build (``sphinx-build -w FILE``) into those that fail the
docs build and those that are only reported (``make docs`` runs this after the build).

    python docs/check_warnings.py docs/_build/warnings.txt

Fatal: anything about the site itself, whatever the source file: a missing document, a
broken toctree entry, a missing include or image, a MyST or notebook problem, a module the
API reference cannot import, and any warning located in a page under ``docs/`` that is not
an autosummary stub (the guides, the index, the notebooks).

Reported only: what comes from the package's docstrings (docutils formatting, unresolved or
ambiguous Python cross-references): the modules' owners fix those in ``src/``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_START = re.compile(r"^(?:(?P<loc>.*?): )?(?P<level>WARNING|ERROR|CRITICAL|SEVERE): ")
_TYPE = re.compile(r"\[(?P<type>[\w.-]+)\]\s*$")
# warning types (Sphinx's [type.subtype] suffix) that always fail the build
FATAL_TYPES = ("toc", "myst", "mystnb", "include", "image", "download", "autosummary",
               "autodoc", "ref.doc", "ref.ref", "misc.highlighting_failure", "config")
FATAL_TEXT = ("nonexisting document", "toctree contains reference", "failed to import",
              "document isn't included in any toctree", "Problems with \"include\"",
              "image file not readable", "Unknown source document")


def split_warnings(text: str) -> list[str]:
    """One string per warning; continuation lines stay with the warning they follow."""
    out: list[str] = []
    for line in text.splitlines():
        if _START.match(line) or not out:
            out.append(line)
        else:
            out[-1] += "\n" + line
    return [w for w in out if w.strip()]


def _from_docstring(location: str) -> bool:
    return ("docstring of" in location or "/src/" in location
            or "/docs/generated/" in location or "<autosummary>" in location)


def is_fatal(warning: str) -> bool:
    """True for a warning about the site's own pages, toctree, includes or imports."""
    m = _START.match(warning)
    location = (m.group("loc") or "") if m else ""
    t = _TYPE.search(warning.splitlines()[-1] if warning else "")
    wtype = t.group("type") if t else ""
    if wtype == "autosummary.import_cycle":
        return True
    if any(wtype == f or wtype.startswith(f + ".") for f in FATAL_TYPES):
        return True
    if any(s in warning for s in FATAL_TEXT):
        return True
    # a page of the site (guide, index, api.rst, notebook) must build clean
    return bool(location) and "/docs/" in location and not _from_docstring(location)


def classify(text: str) -> tuple[list[str], list[str]]:
    """(fatal, reported) warnings of a build's warning file."""
    fatal, reported = [], []
    for w in split_warnings(text):
        (fatal if is_fatal(w) else reported).append(w)
    return fatal, reported


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "docs/_build/warnings.txt")
    fatal, reported = classify(path.read_text() if path.exists() else "")
    if reported:
        print(f"{len(reported)} docstring warning(s) (reported, for the source owners):")
        print("\n".join(f"  {w}" for w in reported))
    if fatal:
        print(f"{len(fatal)} documentation warning(s) that fail the build:", file=sys.stderr)
        print("\n".join(f"  {w}" for w in fatal), file=sys.stderr)
        return 1
    print("docs: no warnings about pages, toctree, includes or imports")
    return 0


if __name__ == "__main__":
    sys.exit(main())

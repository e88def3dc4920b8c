"""The files a SPICE text pulls in, as ngspice reads them (pure text; no file is opened here).

ngspice reads another file through ``.include <file>``, ``.inc <file>`` and
``.lib <file> <section>``; inside a library, a one-word ``.lib <section>`` opens a section
(closed by ``.endl``) and names no file. Keywords are case-insensitive, a path may be bare or
in single or double quotes, a relative path is resolved against the folder of the file that
includes it, and ngspice 39 expands a leading ``~`` to the home folder (checked: both quoted
and bare). :func:`include_lines` finds the lines, :func:`rewrite_includes` replaces their
paths, :func:`include_closure` follows them through a caller's reader of files.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from typing import NamedTuple

_INCLUDE = re.compile(
    r"""(?im)^[ \t]*\.(?P<keyword>include|inc|lib)[ \t]+"""
    r"""(?:"(?P<dq>[^"\n]+)"|'(?P<sq>[^'\n]+)'|(?P<bare>[^"'\s]+))"""
    r"""(?:[ \t]+(?P<section>\w+))?[ \t\r]*(?:[$;].*)?$""")


class IncludeLine(NamedTuple):
    """One line of a SPICE text that pulls in a file."""

    line: int  #: 1-based line number in the text
    keyword: str  #: ``include``, ``inc`` or ``lib``, as written
    target: str  #: the path, without its quotes
    section: str  #: the ``.lib`` section, or an empty string
    quote: str  #: the quote around the path as written, or an empty string
    span: tuple[int, int]  #: character range of the path and its quotes in the text


class MissingInclude(NamedTuple):
    """A file reached through an include that the reader could not read."""

    parent: str  #: the including file (empty for the start)
    line: int  #: 1-based line of the include in ``parent`` (0 for the start)
    name: str  #: the resolved name that could not be read


def include_lines(text: str) -> list[IncludeLine]:
    """The lines of ``text`` that pull in a file: ``.include``/``.inc`` and
    ``.lib <file> <section>`` (a one-word ``.lib <section>`` opens a section: not a file)."""
    found = []
    for m in _INCLUDE.finditer(text):
        keyword = m["keyword"]
        if keyword.lower() == "lib" and not m["section"]:
            continue
        group = "dq" if m["dq"] is not None else "sq" if m["sq"] is not None else "bare"
        quote = {"dq": '"', "sq": "'", "bare": ""}[group]
        start, end = m.span(group)
        found.append(IncludeLine(
            line=text.count("\n", 0, m.start()) + 1, keyword=keyword, target=m[group],
            section=m["section"] or "", quote=quote,
            span=(start - len(quote), end + len(quote))))
    return found


def include_targets(text: str) -> list[str]:
    """The paths :func:`include_lines` finds in ``text``, as written."""
    return [inc.target for inc in include_lines(text)]


def rewrite_includes(text: str, new_target: Callable[[str], str]) -> str:
    """``text`` with the path of every include line replaced by ``new_target(path)``; the
    rest of the text, the quoting (double quotes where a bare path gains white space) and any
    ``.lib`` section are kept."""
    pieces = []
    pos = 0
    for inc in include_lines(text):
        path = new_target(inc.target)
        quote = inc.quote or ('"' if re.search(r"\s", path) else "")
        if quote and quote in path:
            raise ValueError(f"line {inc.line}: cannot quote the path {path!r}")
        pieces += [text[pos:inc.span[0]], quote, path, quote]
        pos = inc.span[1]
    return "".join(pieces) + text[pos:]


def resolve_include(parent: str, target: str) -> str:
    """The ``/``-separated name ngspice reads for ``target`` included from the file ``parent``:
    a leading ``~`` expanded, a relative path joined to ``parent``'s folder, then normalized."""
    if target.startswith("~"):
        target = os.path.expanduser(target)
    return posixpath.normpath(posixpath.join(posixpath.dirname(parent), target))


def include_closure(read: Callable[[str], str | None],
                    start: str) -> tuple[list[str], list[MissingInclude]]:
    """Every file reachable from ``start`` through includes, each resolved by
    :func:`resolve_include`, with ``/``-separated names.

    ``read(name)`` returns a file's text, or None when there is no such file. Returns the
    sorted names found and the includes that could not be read
    (:class:`~lifspice.pdk.includes.MissingInclude`)."""
    found: list[str] = []
    missing: list[MissingInclude] = []
    seen: set[str] = set()
    todo: list[tuple[str, int, str]] = [("", 0, posixpath.normpath(start))]
    while todo:
        parent, line, name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        text = read(name)
        if text is None:
            missing.append(MissingInclude(parent, line, name))
            continue
        found.append(name)
        todo += [(name, inc.line, resolve_include(name, inc.target))
                 for inc in include_lines(text)]
    return sorted(found), missing

"""Physical SPICE lines to logical lines, tokens and element instances. Pure text.

A logical line is one SPICE statement: its ``+`` continuation lines joined (comment lines
between them skipped, as ngspice does), inline comments (``;`` anywhere, ``$`` after
whitespace) removed, and the physical lines it came from kept for writing it back verbatim.
xschem's top-cell markers ``**.subckt`` / ``**.ends`` (comments to ngspice) are returned as
logical lines flagged ``commented``, so that the reader can use the cell they delimit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lifspice.circuits.subckt.expr import spice_float
from lifspice.pdk.registry import pdk_of_model_path

_INLINE_COMMENT = re.compile(r";|(?<=\s)\$(?=\s|$)")
_XSCHEM_MARK = re.compile(r"^\*\*\.(subckt|ends)\b", re.IGNORECASE)
_USER_CODE = re.compile(r"^\*+\s*(begin|end)\s+user\s+architecture\s+code", re.IGNORECASE)
_KEY_VALUE = re.compile(r"^([A-Za-z_][\w.]*)=(.+)$", re.DOTALL)
_OPEN = {"'": "'", '"': '"', "{": "}", "(": ")"}


class NetlistError(ValueError):
    """A netlist that cannot be read: the message names the file and line.

    Attributes
    ----------
    file : Path or None
        The file holding the fault.
    line : int or None
        Its 1-based line number.
    """

    def __init__(self, message: str, file: Path | None = None, line: int | None = None):
        where = f"{file}:{line}: " if file is not None and line is not None else (
            f"{file}: " if file is not None else "")
        super().__init__(where + message)
        self.file, self.line = file, line


@dataclass(frozen=True)
class Location:
    """Where a statement starts: file and 1-based line."""

    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class LogicalLine:
    """One SPICE statement: ``text`` without comments, continuations joined."""

    text: str
    location: Location
    raw: tuple[str, ...]          # the physical lines, as written (comment lines left out)
    commented: bool = False       # an xschem ``**.subckt`` / ``**.ends`` marker
    user_code: bool = False       # inside xschem's ``**** begin user architecture code``

    @property
    def keyword(self) -> str:
        """First word, lower-case (``.subckt``, ``xm1``, ...)."""
        return self.text.split(None, 1)[0].lower() if self.text.strip() else ""


def _strip_inline(text: str) -> str:
    m = _INLINE_COMMENT.search(text)
    return text[: m.start()] if m else text


def logical_lines(text: str, file: Path, *, title: bool = False) -> Iterator[LogicalLine]:
    """The logical lines of ``text`` (the contents of ``file``), up to ``.end``.

    ``title``: the first line is the deck's title (ngspice ignores it in a main input file).
    ``.control`` ... ``.endc`` blocks come out as one logical line each, their raw text kept.
    Statements between xschem's ``**** begin/end user architecture code`` comments are
    flagged ``user_code`` (the testbench's, even when inside the cell's ``**.subckt``).
    """
    pending: tuple[str, Location, list[str]] | None = None
    control: tuple[Location, list[str]] | None = None
    user = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if title and number == 1:
            continue
        stripped = raw.strip()
        if control is not None:
            control[1].append(raw)
            if stripped.lower().startswith(".endc"):
                yield LogicalLine(".control", control[0], tuple(control[1]), user_code=user)
                control = None
            continue
        if stripped.startswith("+"):
            if pending is None:
                raise NetlistError("a '+' continuation line with no statement to continue",
                                   file, number)
            body = _strip_inline(stripped[1:])
            pending = (pending[0] + " " + body, pending[1], [*pending[2], raw])
            continue
        if stripped.startswith("*") and not _XSCHEM_MARK.match(stripped):
            if (mark := _USER_CODE.match(stripped)) is not None:
                if pending is not None:
                    yield _finish(*pending, user)
                    pending = None
                user = mark.group(1).lower() == "begin"
            continue
        if not stripped:
            continue
        if pending is not None:
            yield _finish(*pending, user)
            pending = None
        loc = Location(file, number)
        if stripped.lower().startswith(".control"):
            control = (loc, [raw])
            continue
        if _XSCHEM_MARK.match(stripped):
            yield LogicalLine(_strip_inline(stripped[2:]).strip(), loc, (raw,), commented=True,
                              user_code=user)
            continue
        if re.fullmatch(r"(?i)\.end", _strip_inline(stripped).strip()):
            return
        pending = (_strip_inline(stripped), loc, [raw])
    if control is not None:
        raise NetlistError("a .control block with no .endc", control[0].file, control[0].line)
    if pending is not None:
        yield _finish(*pending, user)


def _finish(text: str, loc: Location, raw: list[str], user: bool) -> LogicalLine:
    return LogicalLine(" ".join(text.split()), loc, tuple(raw), user_code=user)


def split_tokens(text: str) -> list[str]:
    """Words of a statement; quotes, braces and parentheses kept whole, and ``a = b``
    joined into ``a=b``."""
    words: list[str] = []
    current, stack = "", []
    for ch in text:
        if stack:
            current += ch
            if ch == _OPEN[stack[-1]]:
                stack.pop()
            elif ch in "{(" and stack[-1] not in "'\"":
                stack.append(ch)
            continue
        if ch.isspace():
            if current:
                words.append(current)
            current = ""
            continue
        if ch == "=":
            if current:
                words.append(current)
            words.append("=")
            current = ""
            continue
        current += ch
        if ch in _OPEN:
            stack.append(ch)
    if stack:
        raise ValueError(f"unbalanced {stack[-1]!r} in {text!r}")
    if current:
        words.append(current)
    out: list[str] = []
    for w in words:
        if out and (out[-1].endswith("=") or w == "="):
            out[-1] += w
        else:
            out.append(w)
    return out


def key_values(tokens: list[str]) -> tuple[list[str], dict[str, str]]:
    """(positional words, ``name=value`` pairs with lower-case names, in order)."""
    positional, params = [], {}
    for tok in tokens:
        m = _KEY_VALUE.match(tok)
        if m:
            params[m.group(1).lower()] = m.group(2)
        elif tok.lower() != "params:":
            positional.append(tok)
    return positional, params


@dataclass(frozen=True)
class ModelLine:
    """A model library the netlist loads: ``.lib path section`` or ``.include path``."""

    kind: str                  # "lib" or "include"
    path: Path                 # absolute
    section: str | None
    location: Location
    written: str               # the line as written

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    @property
    def pdk(self) -> str | None:
        """The PDK whose models the path names (``"sky130"``, ``"gf180mcu"``), else None."""
        return pdk_of_model_path(self.path)

    @property
    def text(self) -> str:
        """The line with the absolute path, ready for a testbench."""
        if self.kind == "lib":
            return f'.lib "{self.path}" {self.section}'
        return f'.include "{self.path}"'


@dataclass(frozen=True)
class Instance:
    """One element line: ``XM1 d g s b sky130_fd_pr__nfet_01v8 W=1 L=0.15``.

    ``params`` holds the ``name=value`` pairs as written (names lower-case); ``values`` those
    that evaluate to a number in the enclosing subcircuit's default scope (the hierarchy's
    own values are :func:`~lifspice.circuits.subckt.hierarchy.flat_devices`'s).
    """

    name: str                       # as written
    letter: str                     # element letter, lower-case
    nodes: tuple[str, ...]
    target: str | None              # subcircuit (X) or model name, None for sources
    value: str | None               # positional value of R/C/L/V/I/E..., as written
    params: Mapping[str, str]
    location: Location
    tokens: tuple[str, ...] = ()    # the words after the name, as read
    values: Mapping[str, float] = field(default_factory=dict)


_FIXED_NODES = {"r": 2, "c": 2, "l": 2, "d": 2, "v": 2, "i": 2, "b": 2, "f": 2, "h": 2,
                "w": 2, "j": 3, "z": 3, "u": 3, "s": 4, "t": 4, "o": 4, "k": 0}
_CONTROLLED_KEYWORDS = ("value", "vol", "cur", "poly", "table", "laplace", "freq")


def _node_count(letter: str, pos: list[str]) -> int:
    if letter in _FIXED_NODES:
        return _FIXED_NODES[letter]
    if letter in "eg":
        if len(pos) > 2 and pos[2].lower().startswith(_CONTROLLED_KEYWORDS):
            return 2
        return 4 if len(pos) >= 5 else 2
    if letter == "q":
        return 4 if len(pos) >= 5 and spice_float(pos[4]) is None else 3
    return max(len(pos) - 1, 0)   # x, m, a, n, ...: nodes then the model/subcircuit


def _looks_numeric(word: str) -> bool:
    return word[:1] in "{'\"" or spice_float(word) is not None


def parse_instance(line: LogicalLine) -> Instance:
    """The :class:`Instance` of an element line; :class:`NetlistError` if it is not one."""
    loc = line.location
    try:
        words = split_tokens(line.text)
    except ValueError as err:
        raise NetlistError(str(err), loc.file, loc.line) from None
    name = words[0]
    letter = name[0].lower()
    if not letter.isalpha():
        raise NetlistError(f"{line.text[:60]!r} is neither a SPICE element nor a command",
                           loc.file, loc.line)
    pos, params = key_values(words[1:])
    n = _node_count(letter, pos)
    if len(pos) < n or (letter in "xmn" and len(pos) < 2):
        raise NetlistError(f"element {name} has too few nodes: {line.text[:80]!r}",
                           loc.file, loc.line)
    nodes, rest = tuple(pos[:n]), pos[n:]
    target = value = None
    if letter in "xmnaq djzsw" and rest:
        target = rest[1] if letter == "w" and len(rest) > 1 else rest[0]
    elif letter in "rcl" and rest:
        if _looks_numeric(rest[0]):
            value = rest[0]
        else:
            target, value = rest[0], (rest[1] if len(rest) > 1 else None)
    elif letter in "fh" and rest:
        target, value = rest[0], " ".join(rest[1:]) or None
    elif rest:
        value = " ".join(rest)
    if value is None and letter in "rcl":
        value = params.get({"r": "r", "c": "c", "l": "l"}[letter], params.get("value"))
    return Instance(name=name, letter=letter, nodes=nodes, target=target, value=value,
                    params=params, location=loc, tokens=tuple(words[1:]))

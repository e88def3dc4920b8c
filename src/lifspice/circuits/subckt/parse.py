"""Read a user's SPICE netlist: subcircuits, their ports, parameters and instances.

:func:`read_netlist` reads a file as ngspice would (comments, ``+`` continuations, case,
``.include`` of netlist text, ``.param``, nested ``.subckt``, ``.global``) and returns a
:class:`SpiceNetlist`. Model libraries are recorded, not read: a ``.lib file section`` line,
and an ``.include`` of a model file become
:class:`~lifspice.circuits.subckt.lines.ModelLine` entries with absolute paths, so
a bench can keep, refuse or replace them. An included file is a model file when it is 1 MB
or larger, lies in a PDK tree (its path matches a PDK's, or names ``libs.tech``), defines
``.lib`` sections, or holds ``.model`` cards and no ``.subckt``; any other is read as
netlist text, recursively. xschem exports are read as they come: the
``**.subckt``/``**.ends`` comments around a top cell delimit a usable subcircuit, its
``.save`` lines and user architecture code (``.lib``, ``.control``, analyses) are recorded
and left out of the subcircuit.

Why not spicelib alone: spicelib 1.6.4's ``SpiceEditor`` reads continuation lines, subckts
and instance parameters of an upper-case netlist, but refuses lower-case element names
(``x1``, as xschem writes subcircuit calls) with ``NotImplementedError``, does not see an
xschem top cell (``**.subckt``), does not resolve a quoted ``.include`` relative to the
including file, drops ``.param a = '...'`` with a quoted expression, has no accessor for a
subcircuit's ports, evaluates no expression and needs ``include_file=True`` for a file
without ``.end``. This reader is the kit's; tests/test_subckt_parse.py checks that it agrees
with spicelib on the netlists spicelib does read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from lifspice.circuits.subckt.expr import evaluate_params, try_evaluate
from lifspice.circuits.subckt.lines import (
    Instance,
    Location,
    LogicalLine,
    ModelLine,
    NetlistError,
    key_values,
    logical_lines,
    parse_instance,
    split_tokens,
)
from lifspice.pdk.registry import MISMATCH_DEVICES, MODEL_PATHS

MODEL_FILE_BYTES = 1_000_000
"""An included file at least this large is taken for a model library and not read."""

_LIB_SECTION = re.compile(r"(?im)^[ \t]*\.lib[ \t]+\S+[ \t]*$")
_MODEL_CARD = re.compile(r"(?im)^[ \t]*\.model\b")
_SUBCKT_LINE = re.compile(r"(?im)^[ \t]*\.subckt\b")
_DECK_END = re.compile(r"(?im)^[ \t]*\.end[ \t]*$")


@dataclass(frozen=True)
class Param:
    """A ``.param name = expr`` definition."""

    name: str          # lower-case
    expr: str          # as written
    location: Location


@dataclass(frozen=True)
class Subckt:
    """One ``.subckt`` definition."""

    name: str                          # as written
    ports: tuple[str, ...]
    defaults: Mapping[str, str]        # parameter defaults on the .subckt line, as written
    params: tuple[Param, ...]          # .param lines in its body, in order
    instances: tuple[Instance, ...]
    models: tuple[str, ...]            # names of .model cards in its body
    children: tuple[str, ...]          # subcircuits defined inside it (lower-case)
    parent: str | None                 # the subcircuit it is defined in (lower-case)
    location: Location
    lines: tuple[str, ...]             # its text, .subckt to .ends, comments and analyses left out
    commented: bool = False            # an xschem top cell (``**.subckt``)


@dataclass(frozen=True)
class SpiceNetlist:
    """What :func:`read_netlist` found in a file and the files it includes."""

    path: Path
    subckts: Mapping[str, Subckt]      # lower-case name -> definition, in file order
    params: tuple[Param, ...]          # global .param lines
    models: tuple[ModelLine, ...]      # model libraries loaded (recorded, not read)
    model_cards: Mapping[str, str]     # global .model cards: lower-case name -> text
    functions: tuple[str, ...]         # global .func lines
    globals: tuple[str, ...]           # .global nodes, lower-case
    top_instances: tuple[Instance, ...]  # elements outside any subcircuit (a testbench)
    control: tuple[str, ...]           # .control blocks, verbatim
    ignored: tuple[tuple[str, Location], ...]  # analyses, .save, .option ... (not used)
    files: tuple[Path, ...]            # every netlist file read
    scale: float = 1.0                 # ``.option scale`` (m per length unit of MOS W/L)
    warnings: tuple[str, ...] = ()

    def subckt(self, name: str) -> Subckt:
        """The subcircuit ``name`` (any case).

        Raises
        ------
        ~lifspice.circuits.subckt.lines.NetlistError
            No such subcircuit; the message lists the ones found.
        """
        try:
            return self.subckts[name.lower()]
        except KeyError:
            found = ", ".join(s.name for s in self.subckts.values()) or "none"
            raise NetlistError(f"no subcircuit {name!r} in the netlist; found: {found}",
                               self.path) from None


@dataclass
class _Open:
    """A subcircuit being read."""

    name: str
    ports: tuple[str, ...]
    defaults: dict[str, str]
    location: Location
    commented: bool
    lines: list[str]
    parent: str | None
    params: list[Param] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


@dataclass
class _Reader:
    """State while reading: the open subcircuits and everything found so far."""

    path: Path
    stack: list[_Open] = field(default_factory=list)
    subckts: dict[str, Subckt] = field(default_factory=dict)
    params: list[Param] = field(default_factory=list)
    models: list[ModelLine] = field(default_factory=list)
    cards: dict[str, str] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)
    globals: list[str] = field(default_factory=list)
    top: list[Instance] = field(default_factory=list)
    control: list[str] = field(default_factory=list)
    ignored: list[tuple[str, Location]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    scale: float = 1.0
    allow_missing: bool = False
    user_code: bool = False
    other_stack: list[_Open] = field(default_factory=list)  # the one not in use


def read_netlist(path: str | Path, *, allow_missing: bool = False) -> SpiceNetlist:
    """Read a SPICE netlist file and the netlist files it includes.

    Parameters
    ----------
    path : path
        The user's netlist (``.spice``, ``.cir``, an xschem export, a PEX netlist).
    allow_missing : bool
        Record a missing ``.include`` as a model line instead of failing (for a bench that
        replaces the user's model includes by the kit's corner library).

    Returns
    -------
    SpiceNetlist

    Raises
    ------
    ~lifspice.circuits.subckt.lines.NetlistError
        The file cannot be read or parsed, or an include is missing; the message names the
        file and line (and for an include, the path looked for).
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise NetlistError(f"netlist file not found: {path}")
    return parse_netlist(_read_text(path, None), path, allow_missing=allow_missing)


def parse_netlist(text: str, path: str | Path = "netlist.spice", *,
                  allow_missing: bool = False) -> SpiceNetlist:
    """:func:`read_netlist` of netlist ``text``; ``path`` names it in messages and is where
    its relative includes are looked up from (relative: from the working directory)."""
    path = Path(path).expanduser().resolve()
    reader = _Reader(path=path, allow_missing=allow_missing)
    title = bool(_DECK_END.search(text)) and not re.match(r"\s*[*.]", text)
    _read_file(reader, path, text, title=title)
    if reader.stack or reader.other_stack:
        loc = (reader.stack or reader.other_stack)[-1].location
        name = (reader.stack or reader.other_stack)[-1].name
        raise NetlistError(f".subckt {name} has no .ends", loc.file, loc.line)
    return SpiceNetlist(
        path=path, subckts=dict(reader.subckts), params=tuple(reader.params),
        models=tuple(reader.models), model_cards=dict(reader.cards),
        functions=tuple(reader.functions), globals=tuple(dict.fromkeys(reader.globals)),
        top_instances=tuple(reader.top), control=tuple(reader.control),
        ignored=tuple(reader.ignored), files=tuple(reader.files), scale=reader.scale,
        warnings=tuple(reader.warnings))


def _read_text(path: Path, loc: Location | None) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError as err:
        raise NetlistError(f"cannot read {path}: {err.strerror}",
                           loc.file if loc else None, loc.line if loc else None) from None


def _read_file(reader: _Reader, path: Path, text: str, *, title: bool = False) -> None:
    reader.files.append(path)
    for line in logical_lines(text, path, title=title):
        _statement(reader, line)


def _statement(reader: _Reader, line: LogicalLine) -> None:
    if line.user_code != reader.user_code:
        # xschem's user code belongs to the testbench, even inside the cell's **.subckt
        reader.stack, reader.other_stack = reader.other_stack, reader.stack
        reader.user_code = line.user_code
    kw = line.keyword
    if kw == ".control":
        reader.control.append("\n".join(line.raw))
    elif kw == ".subckt":
        _open_subckt(reader, line)
    elif kw == ".ends":
        _close_subckt(reader, line)
    elif kw in (".include", ".inc"):
        _include(reader, line)
    elif kw == ".lib":
        _lib(reader, line)
    elif kw.startswith("."):
        _command(reader, line, kw)
    else:
        inst = parse_instance(line)
        if inst.letter == "m" and MISMATCH_DEVICES.fullmatch((inst.target or "").lower()):
            reader.warnings.append(
                f"{line.location}: {inst.name} is an M element but {inst.target} is a "
                f"subcircuit in the PDK's models: name it X{inst.name} (in xschem, set "
                "spiceprefix=X on the symbol)")
        if reader.stack:
            reader.stack[-1].instances.append(inst)
            reader.stack[-1].lines.extend(line.raw)
        else:
            reader.top.append(inst)


def _open_subckt(reader: _Reader, line: LogicalLine) -> None:
    loc = line.location
    pos, defaults = key_values(split_tokens(line.text)[1:])
    if not pos:
        raise NetlistError(".subckt with no name", loc.file, loc.line)
    parent = reader.stack[-1].name.lower() if reader.stack else None
    header = line.raw if not line.commented else (f".subckt {' '.join(pos)}",)
    reader.stack.append(_Open(name=pos[0], ports=tuple(pos[1:]), defaults=defaults,
                              location=loc, commented=line.commented, lines=list(header),
                              parent=parent))


def _close_subckt(reader: _Reader, line: LogicalLine) -> None:
    loc = line.location
    if not reader.stack:
        raise NetlistError(".ends with no open .subckt", loc.file, loc.line)
    words = line.text.split()
    sub = reader.stack.pop()
    if len(words) > 1 and words[1].lower() != sub.name.lower():
        raise NetlistError(f".ends {words[1]} closes .subckt {sub.name} (opened at "
                           f"{sub.location})", loc.file, loc.line)
    sub.lines.extend(line.raw if not line.commented else (f".ends {sub.name}",))
    key = sub.name.lower()
    if key in reader.subckts:
        raise NetlistError(f"subcircuit {sub.name} defined twice (first at "
                           f"{reader.subckts[key].location})", sub.location.file,
                           sub.location.line)
    scope = {p.name: v for p in reader.params if (v := try_evaluate(p.expr)) is not None}
    defaults = dict(sub.defaults)
    reader.subckts[key] = Subckt(
        name=sub.name, ports=sub.ports, defaults=defaults, params=tuple(sub.params),
        instances=tuple(_with_values(sub.instances, scope, defaults, sub.params)),
        models=tuple(sub.models), children=tuple(sub.children), parent=sub.parent,
        location=sub.location, lines=tuple(sub.lines), commented=sub.commented)
    if reader.stack:
        reader.stack[-1].children.append(key)
        reader.stack[-1].lines.extend(sub.lines)


def _with_values(instances: list[Instance], scope: dict[str, float], defaults: dict[str, str],
                 params: list[Param]) -> list[Instance]:
    """The instances with the parameters that evaluate in the subcircuit's default scope."""
    scope = dict(scope)
    for name, expr in [*defaults.items(), *((p.name, p.expr) for p in params)]:
        if (v := try_evaluate(expr, scope)) is not None:
            scope[name] = v
    return [replace(inst, values=evaluate_params(inst.params, scope)) for inst in instances]


def _include(reader: _Reader, line: LogicalLine) -> None:
    loc = line.location
    words = line.text.split(None, 1)
    if len(words) < 2:
        raise NetlistError(f"{words[0]} with no file name", loc.file, loc.line)
    target = _resolve(words[1].strip().strip("'\""), loc)
    if not target.is_file():
        if reader.allow_missing:
            reader.models.append(ModelLine("include", target, None, loc, line.text))
            return
        raise NetlistError(f"included file not found: {line.text!r} looks for {target}",
                           loc.file, loc.line)
    if target in reader.files:
        raise NetlistError(f"{target} includes itself (through {line.text!r})",
                           loc.file, loc.line)
    if target.stat().st_size >= MODEL_FILE_BYTES:
        reader.models.append(ModelLine("include", target, None, loc, line.text))
        return
    text = _read_text(target, loc)
    if _is_model_library(target, text):
        reader.models.append(ModelLine("include", target, None, loc, line.text))
        return
    _read_file(reader, target, text)


def _is_model_library(path: Path, text: str) -> bool:
    """A PDK's file, one with ``.lib`` sections, or ``.model`` cards and no ``.subckt``
    (a user's file of subcircuits with a ``.model`` or two of its own is read)."""
    return bool(MODEL_PATHS.search(str(path)) or _LIB_SECTION.search(text)
                or (_MODEL_CARD.search(text) and not _SUBCKT_LINE.search(text)))


def _lib(reader: _Reader, line: LogicalLine) -> None:
    loc = line.location
    words = split_tokens(line.text)
    if len(words) == 2:  # ``.lib section``: a library section defined in the user's file
        reader.ignored.append((line.text, loc))
        reader.warnings.append(f"{loc}: library section {words[1]} defined in the netlist "
                               "is ignored")
        return
    if len(words) != 3:
        raise NetlistError(f"expected '.lib <file> <section>', got {line.text!r}",
                           loc.file, loc.line)
    target = _resolve(words[1].strip("'\""), loc)
    reader.models.append(ModelLine("lib", target, words[2], loc, line.text))


def _resolve(name: str, loc: Location) -> Path:
    p = Path(name).expanduser()
    return (p if p.is_absolute() else loc.file.parent / p).resolve()


def _command(reader: _Reader, line: LogicalLine, kw: str) -> None:
    loc = line.location
    sub = reader.stack[-1] if reader.stack else None
    if kw == ".param":
        params = _param_line(line)
        (sub.params if sub else reader.params).extend(params)
        if sub:
            sub.lines.extend(line.raw)
    elif kw == ".model":
        words = line.text.split()
        if len(words) < 3:
            raise NetlistError(f".model needs a name and a type: {line.text!r}",
                               loc.file, loc.line)
        if sub:
            sub.models.append(words[1].lower())
            sub.lines.extend(line.raw)
        else:
            reader.cards[words[1].lower()] = "\n".join(line.raw)
    elif kw == ".func" and sub is None:
        reader.functions.append("\n".join(line.raw))
    elif kw == ".func":
        sub.lines.extend(line.raw)
    elif kw == ".global":
        reader.globals.extend(w.lower() for w in line.text.split()[1:])
    elif kw.startswith(".option"):
        m = re.search(r"(?i)\bscale\s*=\s*(\S+)", line.text)
        if m and (v := try_evaluate(m.group(1))) is not None:
            reader.scale = v
        reader.ignored.append((line.text, loc))
    else:
        reader.ignored.append((line.text, loc))


def _param_line(line: LogicalLine) -> list[Param]:
    loc = line.location
    try:
        words = split_tokens(line.text)[1:]
    except ValueError as err:
        raise NetlistError(str(err), loc.file, loc.line) from None
    positional, pairs = key_values(words)
    if positional or not pairs:
        raise NetlistError(f"expected '.param name=value ...', got {line.text!r}",
                           loc.file, loc.line)
    return [Param(name, expr, loc) for name, expr in pairs.items()]

"""A subcircuit's self-contained text, and its devices with the hierarchy flattened.

:func:`subckt_text` writes what a testbench needs to instantiate a user's subcircuit: the
subcircuit, every subcircuit of the file it calls (transitively), the global ``.param``,
``.func``, ``.model`` and ``.global`` lines they use, and the model libraries the file loads
with absolute paths (:func:`model_lines` lists those alone, for a bench that refuses or
replaces them).

:func:`flat_devices` walks the hierarchy as ngspice flattens it: parameters evaluated
through it (instance values over ``.subckt`` defaults, then the body's ``.param`` lines),
the ``m=`` of every enclosing instance multiplied in, and each device named as ngspice names
it. ngspice 39 (checked in tests/test_subckt_parse_ngspice.py) names an element ``<letter>.
<instance path>.<name>``, all lower-case: a capacitor ``Cm`` in the neuron instance ``x1``
is ``c.x1.cm``; the model device inside the PDK subcircuit ``XM1`` of ``xleak`` in ``x1``
is ``m.x1.xleak.xm1.msky130_fd_pr__nfet_01v8``, and its mismatch parameter
``@m.x1.xleak.xm1.msky130_fd_pr__nfet_01v8[delvto]``. Sizes are SI: a ``sky130_fd_pr__``
device's W and L are in um (the PDK's ``.option scale=1.0u``), anything else's in the
netlist's own ``.option scale`` (default 1 m).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lifspice.circuits.subckt.expr import evaluate_params, identifiers, try_evaluate
from lifspice.circuits.subckt.lines import Instance, Location, ModelLine, NetlistError
from lifspice.circuits.subckt.parse import SpiceNetlist, Subckt
from lifspice.pdk.registry import DRAWN, MISMATCH_DEVICES, MODEL_DEVICE, instance_scale

_GROUND = {"0", "gnd"}
_LETTER_KIND = {"r": "res", "c": "cap", "l": "ind", "d": "diode", "q": "bjt", "j": "jfet",
                "v": "vsource", "i": "isource", "b": "bsource", "e": "vcvs", "g": "vccs",
                "f": "cccs", "h": "ccvs", "s": "switch", "w": "switch", "k": "coupling",
                "t": "tline", "a": "xspice", "m": "mos", "x": "subckt"}
_AREA_KINDS = {"nfet", "pfet", "mos", "cap", "res"}


def model_lines(netlist: SpiceNetlist) -> tuple[ModelLine, ...]:
    """The model libraries the netlist loads (``.lib`` / model ``.include``), in order."""
    return netlist.models


def model_conflicts(netlist: SpiceNetlist, *, pdk: str, corner: str) -> list[str]:
    """Why the netlist's model lines cannot simply stay next to the kit's corner library.

    Parameters
    ----------
    netlist : ~lifspice.circuits.subckt.parse.SpiceNetlist
    pdk : str
        The design's PDK (``"sky130"`` or ``"none"``).
    corner : str
        The design's corner; the file may load it or its ``<corner>_mm`` section.

    Returns
    -------
    list of str
        One message per offending line, starting ``file:line:``: a section of the design's
        PDK other than its corner, a PDK library in a design with ``pdk = "none"``, a
        library file that does not exist. Empty when the lines can stay.
    """
    out = []
    for m in netlist.models:
        where = f"{m.location}: {m.written!r}"
        if not m.exists:
            out.append(f"{where} loads {m.path}, which does not exist")
        elif m.pdk is not None and pdk == "none":
            out.append(f"{where} loads the {m.pdk} models, but the design has pdk = \"none\"")
        elif m.pdk == pdk and m.section is not None and \
                m.section.lower() not in (corner.lower(), f"{corner.lower()}_mm"):
            out.append(f"{where} loads section {m.section}, but the design's corner is "
                       f"{corner}")
    return out


def _lookup(netlist: SpiceNetlist, inst: Instance, chain: list[str]) -> Subckt | None:
    """The definition an ``X`` instance calls (scoped as ngspice scopes nested
    definitions), or None for a subcircuit the file does not define (a PDK device)."""
    if inst.letter != "x" or inst.target is None:
        return None
    sub = netlist.subckts.get(inst.target.lower())
    if sub is None or (sub.parent is not None and sub.parent not in chain):
        return None
    return sub


def used_subckts(netlist: SpiceNetlist, name: str) -> list[Subckt]:
    """``name`` and every subcircuit of the file it calls, callees first."""
    order: list[Subckt] = []
    seen: set[str] = set()

    def visit(sub: Subckt, chain: list[str]) -> None:
        key = sub.name.lower()
        if key in chain:
            raise NetlistError(f"subcircuit {sub.name} calls itself (through "
                               f"{' -> '.join(chain)})", sub.location.file, sub.location.line)
        if key in seen:
            return
        seen.add(key)
        for inst in sub.instances:
            child = _lookup(netlist, inst, [*chain, key, *_ancestors(netlist, sub)])
            if child is not None:
                visit(child, [*chain, key])
        for child in sub.children:
            visit(netlist.subckts[child], [*chain, key])
        order.append(sub)

    visit(netlist.subckt(name), [])
    return order


def _ancestors(netlist: SpiceNetlist, sub: Subckt) -> list[str]:
    out, parent = [], sub.parent
    while parent is not None:
        out.append(parent)
        parent = netlist.subckts[parent].parent
    return out


def subckt_text(netlist: SpiceNetlist, name: str, *, models: bool = True) -> str:
    """Self-contained text defining subcircuit ``name``, to paste into a testbench.

    Parameters
    ----------
    netlist : ~lifspice.circuits.subckt.parse.SpiceNetlist
    name : str
        The subcircuit (any case).
    models : bool
        Include the file's model library lines (absolute paths); False leaves them to the
        bench (see :func:`model_lines`).

    Returns
    -------
    str
        Newline-terminated netlist text with no ``.end``.
    """
    subs = used_subckts(netlist, name)
    reached = {s.name.lower() for s in subs}
    blocks = [s for s in subs if s.parent is None or s.parent not in reached]
    names: set[str] = set()
    targets: set[str] = set()
    for sub in subs:
        for text in [*sub.defaults.values(), *(p.expr for p in sub.params)]:
            names |= identifiers(text)
        for inst in sub.instances:
            targets.add((inst.target or "").lower())
            for text in [*inst.params.values(), inst.value or ""]:
                names |= identifiers(text)
    lines = [f"* subcircuit {subs[-1].name} and what it uses, from {netlist.path.name}"]
    if models:
        lines += [m.text for m in netlist.models]
    if netlist.globals:
        lines.append(".global " + " ".join(netlist.globals))
    lines += list(netlist.functions)
    lines += [f".param {p.name}={p.expr}" for p in _needed_params(netlist, names)]
    lines += [card for key, card in netlist.model_cards.items() if key in targets]
    for sub in blocks:
        lines += sub.lines
    return "\n".join(lines) + "\n"


def _needed_params(netlist: SpiceNetlist, names: set[str]) -> list:
    """The global ``.param`` definitions ``names`` depend on, in file order."""
    need = set(names)
    while True:
        grown = need | {n for p in netlist.params if p.name in need for n in identifiers(p.expr)}
        if grown == need:
            break
        need = grown
    return [p for p in netlist.params if p.name in need]


@dataclass(frozen=True)
class FlatDevice:
    """A primitive element or PDK device under the top subcircuit, hierarchy flattened."""

    path: str                      # instance path, lower-case: "x1.xleak.xm1"
    name: str                      # as written: "XM1"
    kind: str                      # nfet, pfet, cap, res, mos, vsource, subckt, ...
    target: str | None             # model or PDK subcircuit
    nodes: tuple[str, ...]         # ngspice's flattened node names
    values: Mapping[str, float]    # parameters evaluated through the hierarchy
    multiplier: float              # its m times the m of every enclosing instance
    w: float | None                # m
    l: float | None                # m  # noqa: E741
    nf: float | None
    mult: float | None             # sky130's mult (enters the mismatch sigma only)
    spice_name: str | None         # ngspice's name of the element holding the device
    mismatch: str | None           # ngspice path of the parameter a mismatch draw sets
    location: Location

    @property
    def area(self) -> float | None:
        """W * L * multiplier (m^2) of a transistor, capacitor or resistor with a W and L."""
        if self.kind not in _AREA_KINDS or self.w is None or self.l is None:
            return None
        return self.w * self.l * self.multiplier


def _global_scope(netlist: SpiceNetlist) -> dict[str, float]:
    scope: dict[str, float] = {}
    for p in netlist.params:
        if (v := try_evaluate(p.expr, scope)) is not None:
            scope[p.name] = v
    return scope


def _scope(gscope: Mapping[str, float], sub: Subckt, given: Mapping[str, float]) -> dict:
    """The parameters inside ``sub`` called with the instance values ``given``."""
    scope = dict(gscope)
    scope.update({k: v for k, v in given.items() if k != "m" or "m" in sub.defaults})
    for name, expr in sub.defaults.items():  # a default may use a value given before it
        if name not in given and (v := try_evaluate(expr, scope)) is not None:
            scope[name] = v
    for p in sub.params:
        if (v := try_evaluate(p.expr, scope)) is not None:
            scope[p.name] = v
    return scope


def flat_devices(netlist: SpiceNetlist, top: str, instance: str = "x1", *,
                 params: Mapping[str, float | str] | None = None,
                 nodes: Mapping[str, str] | None = None) -> tuple[FlatDevice, ...]:
    """Every primitive or PDK-device instance under ``top`` instantiated as ``instance``.

    Parameters
    ----------
    netlist : ~lifspice.circuits.subckt.parse.SpiceNetlist
    top : str
        The subcircuit.
    instance : str
        Its instance name in the testbench (the first part of every path).
    params : mapping, optional
        Parameters given on the testbench's instance line (numbers or expressions); an
        ``m`` multiplies every device.
    nodes : mapping, optional
        Testbench node of each port (default: the port's own name).

    Returns
    -------
    tuple of FlatDevice
        In netlist order, depth first.
    """
    sub = netlist.subckt(top)
    gscope = _global_scope(netlist)
    given = {k.lower(): (v if isinstance(v, float | int) else try_evaluate(v, gscope))
             for k, v in (params or {}).items()}
    given = {k: float(v) for k, v in given.items() if v is not None}
    outer = {p.lower(): (nodes or {}).get(p, p).lower() for p in sub.ports}
    out: list[FlatDevice] = []
    _walk(netlist, sub, [instance.lower()], _scope(gscope, sub, given), given.get("m", 1.0),
          outer, [sub.name.lower()], gscope, out)
    return tuple(out)


def _walk(netlist: SpiceNetlist, sub: Subckt, prefix: list[str], scope: dict, mult: float,
          node_map: dict[str, str], chain: list[str], gscope: dict, out: list) -> None:
    glob = _GROUND | set(netlist.globals)
    for inst in sub.instances:
        values = evaluate_params(inst.params, scope)
        if inst.value is not None and (v := try_evaluate(inst.value, scope)) is not None:
            values.setdefault("value", v)
        m = values.get("m", 1.0)
        path = [*prefix, inst.name.lower()]
        mapped = tuple(node_map.get(n.lower(), n.lower() if n.lower() in glob else
                                    ".".join([*prefix, n.lower()])) for n in inst.nodes)
        child = _lookup(netlist, inst, [*chain, *_ancestors(netlist, sub)])
        if child is None:
            out.append(_leaf(netlist, inst, path, values, mult * m, mapped))
            continue
        if child.name.lower() in chain:
            raise NetlistError(f"subcircuit {child.name} calls itself", inst.location.file,
                               inst.location.line)
        if len(child.ports) != len(inst.nodes):
            raise NetlistError(f"{inst.name} connects {len(inst.nodes)} nodes to {child.name}, "
                               f"which has {len(child.ports)} ports", inst.location.file,
                               inst.location.line)
        ports = {p.lower(): n for p, n in zip(child.ports, mapped, strict=True)}
        _walk(netlist, child, path, _scope(gscope, child, values), mult * m, ports,
              [*chain, child.name.lower()], gscope, out)


def _kind(netlist: SpiceNetlist, inst: Instance) -> str:
    target = (inst.target or "").lower()
    if inst.letter in "xm":
        card = netlist.model_cards.get(target, "").split()
        mtype = card[2].lower() if len(card) > 2 else ""
        for kind, words in (("nfet", ("nfet", "nmos")), ("pfet", ("pfet", "pmos"))):
            if any(w in target or w == mtype for w in words):
                return kind
    if inst.letter == "x":
        for kind, words in (("cap", ("cap", "mim_")), ("res", ("res",)), ("diode", ("diode",)),
                            ("bjt", ("npn", "pnp"))):
            if any(w in target for w in words):
                return kind
    return _LETTER_KIND.get(inst.letter, inst.letter)


def _leaf(netlist: SpiceNetlist, inst: Instance, path: list[str], values: dict[str, float],
          multiplier: float, nodes: tuple[str, ...]) -> FlatDevice:
    target = (inst.target or "").lower()
    scale = instance_scale(target) or netlist.scale
    dotted = ".".join(path)
    spice_name = mismatch = None
    if inst.letter == "x" and target in DRAWN:
        inner, param = DRAWN[target]
        spice_name = f"{inner[0]}.{dotted}.{inner}"
        mismatch = f"@{spice_name}[{param}]"
    elif inst.letter == "x" and MODEL_DEVICE.fullmatch(target):
        spice_name = f"m.{dotted}.m{target}"  # the models' convention, no mismatch handled
    elif inst.letter != "x":
        spice_name = f"{inst.letter}.{dotted}" if len(path) > 1 else dotted
    w, length = values.get("w", values.get("c_width")), values.get("l", values.get("c_length"))
    return FlatDevice(
        path=dotted, name=inst.name, kind=_kind(netlist, inst), target=inst.target,
        nodes=nodes, values=dict(values), multiplier=multiplier,
        w=None if w is None else w * scale, l=None if length is None else length * scale,
        nf=values.get("nf"), mult=values.get("mult"), spice_name=spice_name,
        mismatch=mismatch, location=inst.location)


@dataclass(frozen=True)
class DeviceRow:
    """One row of a device table (SI units)."""

    name: str              # instance path
    type: str              # nfet, pfet, cap, res, ...
    w: float | None        # m
    l: float | None        # m  # noqa: E741
    multiplier: float
    nf: float | None
    area: float | None     # m^2


@dataclass(frozen=True)
class DeviceTable:
    """The devices of a subcircuit and their total area, for a datasheet."""

    rows: tuple[DeviceRow, ...]

    @property
    def total_area(self) -> float:
        """Sum of the known device areas, m^2 (wiring and spacing not included)."""
        return sum(r.area for r in self.rows if r.area is not None)

    def text(self) -> str:
        """The table as fixed-width text, sizes in um and areas in um^2."""

        def um(x: float | None, scale: float = 1e6) -> str:
            return "-" if x is None else f"{x * scale:.4g}"

        lines = [f"{'device':<28} {'type':<8} {'W/um':>8} {'L/um':>8} {'m':>5} {'nf':>4} "
                 f"{'area/um2':>10}"]
        lines += [f"{r.name:<28} {r.type:<8} {um(r.w):>8} {um(r.l):>8} {r.multiplier:>5g} "
                  f"{um(r.nf, 1):>4} {um(r.area, 1e12):>10}" for r in self.rows]
        lines.append(f"{'total':<28} {'':<8} {'':>8} {'':>8} {'':>5} {'':>4} "
                     f"{self.total_area * 1e12:>10.4g}")
        return "\n".join(lines) + "\n"


def undrawn_devices(devices: tuple[FlatDevice, ...] | list[FlatDevice]) -> list[FlatDevice]:
    """The PDK devices among ``devices`` whose mismatch the kit cannot draw explicitly (no
    :data:`~lifspice.pdk.registry.DRAWN` entry: sky130's and gf180mcu's): name them to the user."""
    return [d for d in devices if d.mismatch is None
            and MISMATCH_DEVICES.fullmatch((d.target or "").lower())]


def device_table(devices: tuple[FlatDevice, ...] | list[FlatDevice]) -> DeviceTable:
    """:class:`DeviceTable` of ``devices`` (from :func:`flat_devices`); sources, switches and
    other elements without a size are listed with no area."""
    return DeviceTable(tuple(DeviceRow(name=d.path, type=d.kind, w=d.w, l=d.l,
                                       multiplier=d.multiplier, nf=d.nf, area=d.area)
                             for d in devices))

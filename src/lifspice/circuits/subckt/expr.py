"""SPICE numbers and parameter expressions, evaluated to floats. Pure.

Numbers carry ngspice's scale suffixes (``T G Meg K mil m u n p f a``, case-insensitive,
letters after the suffix ignored: ``10pF``, ``1kohm``, ``2.5meg``); note ``M`` is milli.
Expressions are ngspice's ``.param`` / ``{...}`` / ``'...'`` language: ``+ - * / %``,
``**`` and ``^`` (power), comparisons, ``&& || !``, ``a ? b : c``, parentheses and the usual
functions (``sqrt exp log ln log10 abs min max pow pwr int floor ceil nint sgn`` and the
trigonometric ones). The statistical functions (``agauss gauss aunif unif limit``) evaluate
to their nominal value: the netlist reader wants the drawn sizes, not a draw.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?([A-Za-z]*)")
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z]*)"
    r"|(?P<name>[A-Za-z_][\w.]*)"
    r"|(?P<op>\*\*|==|!=|<=|>=|&&|\|\||[-+*/%^(),?:<>!]))")
_SCALE = {"t": 1e12, "g": 1e9, "k": 1e3, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12,
          "f": 1e-15, "a": 1e-18}


class ExpressionError(ValueError):
    """An expression that does not parse, or whose value cannot be computed."""


class UnknownParameter(ExpressionError):
    """An expression names a parameter that is not defined in its scope."""

    def __init__(self, name: str):
        super().__init__(f"parameter {name!r} is not defined")
        self.name = name


def _nominal(*args: float) -> float:
    return args[0]


_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "ln": math.log,
    "log10": math.log10, "abs": abs, "min": min, "max": max, "pow": math.pow,
    "pwr": lambda x, y: math.copysign(abs(x) ** y, x), "int": lambda x: float(math.trunc(x)),
    "floor": math.floor, "ceil": math.ceil, "nint": lambda x: float(round(x)),
    "sgn": lambda x: float((x > 0) - (x < 0)), "sin": math.sin, "cos": math.cos,
    "tan": math.tan, "atan": math.atan, "asin": math.asin, "acos": math.acos,
    "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh,
    "agauss": _nominal, "gauss": _nominal, "aunif": _nominal, "unif": _nominal,
    "limit": lambda nom, *_: nom, "ternary_fcn": lambda c, a, b: a if c else b,
}


def spice_float(text: str) -> float | None:
    """A SPICE number with its scale suffix as a float (``'2.5meg'`` -> 2.5e6); None if
    ``text`` is not a plain number."""
    t = text.strip()
    sign = -1.0 if t.startswith("-") else 1.0
    t = t.lstrip("+-")
    m = _NUMBER.fullmatch(t)
    if m is None:
        return None
    suffix = m.group(1).lower()
    base = float(t[: len(t) - len(suffix)])
    if suffix.startswith("meg"):
        return sign * base * 1e6
    if suffix.startswith("mil"):
        return sign * base * 25.4e-6
    return sign * base * _SCALE.get(suffix[:1], 1.0)


def strip_delimiters(text: str) -> str:
    """``{expr}``, ``'expr'`` or ``"expr"`` -> ``expr`` (once); other text unchanged."""
    t = text.strip()
    if len(t) >= 2 and (t[0], t[-1]) in (("{", "}"), ("'", "'"), ('"', '"')):
        return t[1:-1].strip()
    return t


def identifiers(text: str) -> set[str]:
    """Lower-case names an expression refers to (function names excluded)."""
    out = set()
    for tok in _TOKEN.finditer(strip_delimiters(text)):
        if tok.group("name"):
            out.add(tok.group("name").lower())
    return out - set(_FUNCTIONS)


class _Parser:
    """Recursive descent over the tokens; evaluates while it parses."""

    def __init__(self, text: str, scope: Mapping[str, float]):
        self.text, self.scope, self.pos = text, scope, 0
        self.tokens: list[tuple[str, str]] = []
        i = 0
        while i < len(text):
            m = _TOKEN.match(text, i)
            if m is None or m.end() == i:
                if text[i:].strip() == "":
                    break
                raise ExpressionError(f"cannot read {text[i:].strip()!r} in {text!r}")
            kind = next(k for k in ("num", "name", "op") if m.group(k) is not None)
            self.tokens.append((kind, m.group(kind)))
            i = m.end()

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise ExpressionError(f"unexpected end of expression {self.text!r}")
        tok = self.tokens[self.pos]
        if expected is not None and tok[1] != expected:
            raise ExpressionError(f"expected {expected!r}, got {tok[1]!r} in {self.text!r}")
        self.pos += 1
        return tok

    def ternary(self) -> float:
        cond = self.binary(0)
        if self.peek() == "?":
            self.take()
            a = self.ternary()
            self.take(":")
            b = self.ternary()
            return a if cond else b
        return cond

    _LEVELS = (("||",), ("&&",), ("==", "!=", "<", ">", "<=", ">="), ("+", "-"),
               ("*", "/", "%"))

    def binary(self, level: int) -> float:
        if level == len(self._LEVELS):
            return self.unary()
        value = self.binary(level + 1)
        while self.peek() in self._LEVELS[level]:
            op = self.take()[1]
            value = _apply(op, value, self.binary(level + 1))
        return value

    def unary(self) -> float:
        if self.peek() in ("-", "+", "!"):
            op = self.take()[1]
            v = self.unary()
            return -v if op == "-" else (float(not v) if op == "!" else v)
        base = self.atom()
        if self.peek() in ("**", "^"):
            self.take()
            return float(base ** self.unary())
        return base

    def atom(self) -> float:
        kind, tok = self.take()
        if kind == "num":
            value = spice_float(tok)
            if value is None:
                raise ExpressionError(f"bad number {tok!r} in {self.text!r}")
            return value
        if kind == "name":
            return self.name(tok)
        if tok == "(":
            v = self.ternary()
            self.take(")")
            return v
        raise ExpressionError(f"unexpected {tok!r} in {self.text!r}")

    def name(self, tok: str) -> float:
        low = tok.lower()
        if self.peek() == "(":
            self.take()
            args = [self.ternary()]
            while self.peek() == ",":
                self.take()
                args.append(self.ternary())
            self.take(")")
            if low not in _FUNCTIONS:
                raise ExpressionError(f"unknown function {tok}() in {self.text!r}")
            return float(_FUNCTIONS[low](*args))
        if low in self.scope:
            return float(self.scope[low])
        if low == "pi":
            return math.pi
        raise UnknownParameter(low)


def _apply(op: str, a: float, b: float) -> float:
    if op in ("/", "%") and b == 0:
        raise ExpressionError("division by zero")
    ops: dict[str, Callable[[float, float], float]] = {
        "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
        "%": lambda: math.fmod(a, b), "==": lambda: float(a == b),
        "!=": lambda: float(a != b), "<": lambda: float(a < b), ">": lambda: float(a > b),
        "<=": lambda: float(a <= b), ">=": lambda: float(a >= b),
        "&&": lambda: float(bool(a) and bool(b)), "||": lambda: float(bool(a) or bool(b)),
    }
    return ops[op]()


def evaluate(text: str, scope: Mapping[str, float] | None = None) -> float:
    """The value of a SPICE number or expression, names looked up (lower-case) in ``scope``.

    Raises
    ------
    UnknownParameter
        A name that ``scope`` does not define.
    ExpressionError
        Text that is not an expression, or a value that cannot be computed.
    """
    body = strip_delimiters(text)
    plain = spice_float(body)
    if plain is not None:
        return plain
    parser = _Parser(body, scope or {})
    try:
        value = parser.ternary()
    except (OverflowError, ValueError, TypeError, ZeroDivisionError) as err:
        if isinstance(err, ExpressionError):
            raise
        raise ExpressionError(f"cannot compute {body!r}: {err}") from None
    if parser.pos != len(parser.tokens):
        raise ExpressionError(f"unexpected {parser.peek()!r} in {body!r}")
    return float(value)


def try_evaluate(text: str, scope: Mapping[str, float] | None = None) -> float | None:
    """:func:`evaluate`, or None where the value cannot be computed."""
    try:
        return evaluate(text, scope)
    except ExpressionError:
        return None


def evaluate_params(params: Mapping[str, str], scope: Mapping[str, float]) -> dict[str, float]:
    """Values of an instance's ``name=value`` pairs that evaluate in ``scope``; each pair
    sees the ones before it on the same line, as xschem's ``ad='int((nf+1)/2) * W/nf * 0.29'``
    needs."""
    local = dict(scope)
    out: dict[str, float] = {}
    for name, text in params.items():
        value = try_evaluate(text, local)
        if value is not None:
            out[name] = local[name] = value
    return out

"""Keyframe schedules in Deforum's syntax, parsed by a grammar of our own (never ``eval``).

A schedule gives a value for every frame of a shot::

    0:(1.0), 30:(1.25), 90:(1.0)                 keys: frame:(value)
    0:(1.0+0.002*sin(1.25*pi*t/30))             a value may be an expression of the frame
    1.0 + 0.1*s                                 no keys: one expression for the whole shot

Values are expressions of ``t`` (the frame index), ``s`` (seconds, ``t / fps``), ``max_f`` (the last
frame index) and ``fps``, with ``+ - * / % **``, parentheses, the functions in :data:`FUNCTIONS` and
the constants ``pi`` and ``e``. Key frames are expressions too, of ``max_f`` and ``fps`` only
(``max_f:(1.5)``, ``2*fps:(0)``), rounded to the nearest frame.

Between keys (Deforum's rules):

- a key whose value depends on ``t`` or ``s`` is evaluated at every frame until the next key;
- between keys with plain values the value is interpolated: ``linear``, ``cubic`` (a smooth
  Catmull-Rom curve through the keys), ``step`` (hold), or cubic easing ``ease_in``, ``ease_out``,
  ``ease_in_out``; a plain key followed by an expression key interpolates towards the expression's
  value at that key;
- before the first key the first value holds, after the last key the last value holds.

Errors point at the character: :class:`ScheduleError` carries the position and its message shows the
text with a caret under it. Evaluation is vectorised over frames with NumPy; a value that is not a
finite number at some frame (``1/(t-10)`` at frame 10, ``sqrt(-1)``) is an error naming the frame.

:data:`ScheduleText` is the pydantic field type for a schedule parameter: it validates the syntax
when the project file or command line is read.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BeforeValidator

from shotgraph.errors import ParamError

Interpolation = Literal["linear", "cubic", "step", "ease_in", "ease_out", "ease_in_out"]
INTERPOLATIONS: tuple[str, ...] = Interpolation.__args__

VARIABLES = ("t", "s", "max_f", "fps")
TIME_VARIABLES = frozenset({"t", "s"})  # values that change with the frame
CONSTANTS = {"pi": math.pi, "e": math.e}
MAX_NESTING = 100  # parentheses / calls inside each other
MAX_NODES = 400  # terms in one expression (keeps evaluation's recursion shallow)

Number = Union[float, np.ndarray]


def _clamp(x, lo, hi):
    return np.minimum(np.maximum(x, lo), hi)


def _reduce(fn):
    def apply(*args):
        result = args[0]
        for arg in args[1:]:
            result = fn(result, arg)
        return result

    return apply


# name -> (implementation on floats or arrays, fewest arguments, most arguments (None: any))
FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int | None]] = {
    "sin": (np.sin, 1, 1),
    "cos": (np.cos, 1, 1),
    "tan": (np.tan, 1, 1),
    "asin": (np.arcsin, 1, 1),
    "acos": (np.arccos, 1, 1),
    "atan": (np.arctan, 1, 1),
    "atan2": (np.arctan2, 2, 2),
    "sqrt": (np.sqrt, 1, 1),
    "exp": (np.exp, 1, 1),
    "log": (np.log, 1, 1),
    "abs": (np.abs, 1, 1),
    "floor": (np.floor, 1, 1),
    "ceil": (np.ceil, 1, 1),
    "round": (np.round, 1, 1),
    "sign": (np.sign, 1, 1),
    "min": (_reduce(np.minimum), 2, None),
    "max": (_reduce(np.maximum), 2, None),
    "clamp": (_clamp, 3, 3),
}


class ScheduleError(ParamError):
    """A schedule that cannot be parsed or evaluated; ``position`` is a 0-based index into ``text``."""

    def __init__(self, reason: str, text: str, position: int | None = None, what: str = "schedule"):
        self.reason, self.text, self.position, self.what = reason, text, position, what
        super().__init__(self._message())

    def _message(self) -> str:
        if self.position is None:
            return f"{self.what}: {self.reason}" if self.what else self.reason
        prefix = f"{self.what}, " if self.what else ""
        shown, caret = _excerpt(self.text, self.position)
        return f"{prefix}character {self.position + 1}: {self.reason}\n  {shown}\n  {caret}^"

    def named(self, what: str) -> "ScheduleError":
        """The same error, naming the parameter it came from."""
        return ScheduleError(self.reason, self.text, self.position, what)


def _excerpt(text: str, position: int, width: int = 70) -> tuple[str, str]:
    """The part of a (possibly long) text around ``position``, and the caret's indent under it."""
    flat = text.replace("\n", " ").replace("\t", " ")
    start = max(0, min(position - width // 2, len(flat) - width))
    shown = flat[start : start + width]
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + width < len(flat) else ""
    return prefix + shown + suffix, " " * (len(prefix) + position - start)


# -- tokens ------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\*\*|[-+*/%(),:]))"
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, name, op, end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            tokens.append(Token("end", "", len(text)))
            return tokens
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            char = text[position]
            hint = " (use ** for powers)" if char == "^" else ""
            raise ScheduleError(f"unexpected character {char!r}{hint}", text, position)
        kind = match.lastgroup
        start = match.start(kind)
        tokens.append(Token(kind, match.group(kind), start))
        position = match.end()


# -- expressions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float
    position: int


@dataclass(frozen=True)
class Var:
    name: str
    position: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: "Expr"
    position: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: "Expr"
    right: "Expr"
    position: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple["Expr", ...]
    position: int


Expr = Union[Num, Var, Unary, Binary, Call]


def names_in(expr: Expr) -> set[str]:
    """The variable names an expression uses."""
    if isinstance(expr, Var):
        return {expr.name}
    if isinstance(expr, Unary):
        return names_in(expr.operand)
    if isinstance(expr, Binary):
        return names_in(expr.left) | names_in(expr.right)
    if isinstance(expr, Call):
        return set().union(*(names_in(a) for a in expr.args))
    return set()


class _Parser:
    """Recursive descent over the grammar (lowest precedence first)::

        schedule := entry (',' entry)* ','?  |  expr
        entry    := expr ':' '(' expr ')'
        expr     := term (('+' | '-') term)*
        term     := unary (('*' | '/' | '%') unary)*
        unary    := ('+' | '-') unary | power
        power    := primary ('**' unary)?            # right-associative; -2**2 is -4, as in Python
        primary  := NUMBER | NAME | NAME '(' expr (',' expr)* ')' | '(' expr ')'
    """

    def __init__(self, text: str, allowed: Iterable[str]):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.allowed = tuple(allowed)
        self.depth = 0
        self.nodes = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def error(self, reason: str, token: Token | None = None) -> ScheduleError:
        return ScheduleError(reason, self.text, (token or self.token).position)

    def take(self, text: str) -> bool:
        if self.token.kind == "op" and self.token.text == text:
            self.index += 1
            return True
        return False

    def expect(self, text: str, context: str) -> None:
        if not self.take(text):
            found = "the end" if self.token.kind == "end" else repr(self.token.text)
            raise self.error(f"expected '{text}' {context}, found {found}")

    def expression(self) -> Expr:
        return self._nested(self._sum)

    def top_expression(self) -> Expr:
        """One whole expression (a key frame or a value), limited in size."""
        self.nodes = 0
        return self.expression()

    def node(self, expr: Expr) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ScheduleError(f"the expression is too long (over {MAX_NODES} terms)", self.text, expr.position)
        return expr

    def _nested(self, parse: Callable[[], Expr]) -> Expr:
        """``parse()`` one level deeper: absurd nesting is an error, not a RecursionError."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"the expression nests more than {MAX_NESTING} levels deep")
        try:
            return parse()
        finally:
            self.depth -= 1

    def _sum(self) -> Expr:
        left = self.term()
        while self.token.kind == "op" and self.token.text in "+-":
            op = self.token
            self.index += 1
            left = self.node(Binary(op.text, left, self.term(), op.position))
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.token.kind == "op" and self.token.text in ("*", "/", "%"):
            op = self.token
            self.index += 1
            left = self.node(Binary(op.text, left, self.unary(), op.position))
        return left

    def unary(self) -> Expr:
        first, negative = self.token, False
        while self.token.kind == "op" and self.token.text in "+-":  # "--1" folds to 1: no deep trees
            negative ^= self.token.text == "-"
            self.index += 1
        expr = self.power()
        return self.node(Unary("-", expr, first.position)) if negative else expr

    def power(self) -> Expr:
        base = self.primary()
        op = self.token
        if self.take("**"):
            return self.node(Binary("**", base, self._nested(self.unary), op.position))
        return base

    def primary(self) -> Expr:
        token = self.token
        if token.kind == "number":
            self.index += 1
            return self.node(Num(float(token.text), token.position))
        if token.kind == "name":
            self.index += 1
            if self.take("("):
                return self.call(token)
            if token.text in CONSTANTS:
                return self.node(Num(CONSTANTS[token.text], token.position))
            if token.text in self.allowed:
                return self.node(Var(token.text, token.position))
            raise self.error(self._unknown(token.text), token)
        if self.take("("):
            inner = self.expression()
            self.expect(")", "to close '('")
            return inner
        if token.kind == "end":
            raise self.error("expected a number, a name or '(', found the end")
        raise self.error(f"expected a number, a name or '(', found {token.text!r}")

    def call(self, name: Token) -> Expr:
        if name.text not in FUNCTIONS:
            raise self.error(self._unknown(name.text, function=True), name)
        args = [self.expression()]
        while self.take(","):
            args.append(self.expression())
        self.expect(")", f"to close {name.text}(")
        _, fewest, most = FUNCTIONS[name.text]
        if len(args) < fewest or (most is not None and len(args) > most):
            wanted = str(fewest) if fewest == most else f"at least {fewest}" if most is None else f"{fewest}-{most}"
            raise self.error(f"{name.text}() takes {wanted} argument{'s' * (wanted != '1')}, got {len(args)}", name)
        return self.node(Call(name.text, tuple(args), name.position))

    def _unknown(self, name: str, function: bool = False) -> str:
        if function:
            close = difflib.get_close_matches(name, FUNCTIONS, n=1)
            known = ", ".join(FUNCTIONS)
            return f"unknown function {name!r}" + (f" (did you mean {close[0]!r}?)" if close else f"; known: {known}")
        if name in FUNCTIONS:
            return f"{name} is a function: write {name}(...)"
        if name in VARIABLES:
            return f"{name!r} cannot be used here (allowed: {', '.join(self.allowed) or 'numbers only'})"
        close = difflib.get_close_matches(name, [*self.allowed, *CONSTANTS], n=1)
        return f"unknown name {name!r}" + (f" (did you mean {close[0]!r}?)" if close else
                                             f"; names: {', '.join([*self.allowed, *CONSTANTS])}")

    def finish(self, context: str) -> None:
        if self.token.kind != "end":
            raise self.error(f"unexpected {self.token.text!r} {context}")


def parse_expression(text: str, allowed: Iterable[str] = VARIABLES) -> Expr:
    """Parse one expression whose variables are among ``allowed``."""
    parser = _Parser(text, allowed)
    expr = parser.top_expression()
    parser.finish("after the expression")
    return expr


def evaluate(expr: Expr, env: dict[str, Number]) -> Number:
    """The value of ``expr`` with variables from ``env`` (floats or equal-length arrays).

    Floating-point exceptions are not raised here: a non-finite result is the caller's to report.
    """
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Var):
        return env[expr.name]
    if isinstance(expr, Unary):
        value = evaluate(expr.operand, env)
        return -value if expr.op == "-" else value
    if isinstance(expr, Binary):
        # NumPy float64 so that 1/0 is inf (reported with its frame by the caller), not an exception.
        left = np.asarray(evaluate(expr.left, env), dtype=np.float64)
        right = np.asarray(evaluate(expr.right, env), dtype=np.float64)
        with np.errstate(all="ignore"):
            if expr.op == "+":
                return left + right
            if expr.op == "-":
                return left - right
            if expr.op == "*":
                return left * right
            if expr.op == "/":
                return np.divide(left, right)
            if expr.op == "%":
                return np.mod(left, right)  # Python's sign rule: -1 % 3 == 2
            return np.power(left, right)
    function = FUNCTIONS[expr.name][0]
    with np.errstate(all="ignore"):
        return function(*(evaluate(a, env) for a in expr.args))


# -- schedules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    frame: Expr  # of max_f and fps
    value: Expr  # of t, s, max_f, fps
    position: int  # where the key starts in the text
    value_position: int

    @property
    def dynamic(self) -> bool:
        """Whether the value changes from frame to frame (uses t or s)."""
        return bool(names_in(self.value) & TIME_VARIABLES)


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule. ``values(n_frames, fps)`` gives the value of every frame."""

    text: str
    keys: tuple[Key, ...]

    def constant(self) -> float | None:
        """The value if the schedule is the same number at every frame, else None."""
        values = set()
        for key in self.keys:
            if names_in(key.value):
                return None
            values.add(float(evaluate(key.value, {})))
        return values.pop() if len(values) == 1 else None

    def key_frames(self, n_frames: int, fps: float) -> list[int]:
        env = {"max_f": float(max(n_frames - 1, 0)), "fps": float(fps)}
        frames: dict[int, Key] = {}
        result = []
        for key in self.keys:
            raw = float(evaluate(key.frame, env))
            if not math.isfinite(raw) or raw < -0.5:
                raise ScheduleError(f"key frame evaluates to {raw:g}, not a frame number", self.text, key.position)
            frame = int(math.floor(raw + 0.5))
            if frame in frames:
                raise ScheduleError(f"frame {frame} has two keys", self.text, key.position)
            frames[frame] = key
            result.append(frame)
        return result

    def values(self, n_frames: int, fps: float, interpolation: Interpolation = "linear") -> np.ndarray:
        """The value at frames ``0 .. n_frames - 1`` as float64."""
        if interpolation not in INTERPOLATIONS:
            raise ParamError(f"interpolation {interpolation!r} is not one of {', '.join(INTERPOLATIONS)}")
        if n_frames <= 0:
            return np.zeros(0)
        fps = float(fps)
        order = sorted(zip(self.key_frames(n_frames, fps), self.keys), key=lambda pair: pair[0])
        frames = [frame for frame, _ in order]
        keys = [key for _, key in order]
        base_env = {"max_f": float(n_frames - 1), "fps": fps}
        key_values = [self._at(key, np.array([float(frame)]), base_env)[0] for frame, key in order]
        out = np.empty(n_frames)
        bounds = [0, *frames[1:], n_frames]  # frames before the first key follow the first key
        for i, key in enumerate(keys):
            lo, hi = max(bounds[i], 0), min(bounds[i + 1], n_frames)
            if lo >= hi:
                continue
            t = np.arange(lo, hi, dtype=np.float64)
            if key.dynamic:
                out[lo:hi] = self._at(key, t, base_env)
            elif i == len(keys) - 1 or t[-1] <= frames[i]:
                out[lo:hi] = key_values[i]
            else:
                u = np.clip((t - frames[i]) / (frames[i + 1] - frames[i]), 0.0, 1.0)
                out[lo:hi] = _interpolate(interpolation, u, i, frames, key_values)
        return out

    def _at(self, key: Key, t: np.ndarray, env: dict[str, float]) -> np.ndarray:
        with np.errstate(all="ignore"):
            value = evaluate(key.value, {**env, "t": t, "s": t / env["fps"]})
        value = np.broadcast_to(np.asarray(value, dtype=np.float64), t.shape)
        bad = ~np.isfinite(value)
        if bad.any():
            frame = int(t[np.argmax(bad)])
            raise ScheduleError(f"the value is not a finite number at frame {frame} (division by zero, or a "
                                "function outside its domain)", self.text, key.value_position)
        return value


def _ease(kind: str, u: np.ndarray) -> np.ndarray:
    if kind == "ease_in":
        return u**3
    if kind == "ease_out":
        return 1 - (1 - u) ** 3
    return np.where(u < 0.5, 4 * u**3, 1 - (-2 * u + 2) ** 3 / 2)


def _interpolate(kind: str, u: np.ndarray, i: int, frames: Sequence[int], values: Sequence[float]) -> np.ndarray:
    """Between key ``i`` and ``i + 1`` at fractions ``u`` of the way."""
    a, b = values[i], values[i + 1]
    if kind == "step":
        return np.full_like(u, a)
    if kind == "linear":
        return a + (b - a) * u
    if kind.startswith("ease"):
        return a + (b - a) * _ease(kind, u)
    # cubic: Hermite with Catmull-Rom tangents (value per frame) from the neighbouring keys;
    # one-sided at the ends, so two keys give a straight line (as Deforum's cubic falls back to).
    def slope(j: int) -> float:
        lo, hi = max(j - 1, 0), min(j + 1, len(frames) - 1)
        return (values[hi] - values[lo]) / (frames[hi] - frames[lo])

    h = frames[i + 1] - frames[i]
    u2, u3 = u * u, u * u * u
    return ((2 * u3 - 3 * u2 + 1) * a + (u3 - 2 * u2 + u) * h * slope(i)
            + (-2 * u3 + 3 * u2) * b + (u3 - u2) * h * slope(i + 1))


def parse_schedule(text: str | float | int) -> Schedule:
    """Parse a schedule (see the module docstring); raises :class:`ScheduleError` pointing at the fault."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ScheduleError(f"a schedule is text like \"0:(1.0), 30:(1.25)\", not {type(text).__name__}", str(text))
    text = format_number(text) if not isinstance(text, str) else text
    if not text.strip():
        raise ScheduleError("the schedule is empty", text)
    keyed = _Parser(text, ("max_f", "fps"))
    first = keyed.token
    try:
        frame, key_error = keyed.top_expression(), None
    except ScheduleError as error:
        frame, key_error = None, error
    if frame is None or not keyed.take(":"):  # no keys: one expression for every frame
        try:
            value = parse_expression(text)
        except ScheduleError:
            if key_error is not None and ":" in text:
                raise key_error from None  # e.g. "t:(1)": the key frame is the fault
            if frame is not None and keyed.token.text == "(":  # e.g. "0 (1)"
                raise keyed.error(f"expected ':' after the key frame (keys look like 0:(1.0)), "
                                  f"found {keyed.token.text!r}") from None
            raise
        return Schedule(text, (Key(Num(0.0, 0), value, 0, first.position),))
    keys = [_key_rest(keyed, frame, first.position)]
    while keyed.take(","):
        if keyed.token.kind == "end":
            break  # a trailing comma
        start = keyed.token.position
        frame = keyed.top_expression()
        keyed.expect(":", "after the key frame")
        keys.append(_key_rest(keyed, frame, start))
    keyed.finish("after a key (keys are separated by commas: 0:(1.0), 30:(1.25))")
    return Schedule(text, tuple(keys))


def _key_rest(parser: _Parser, frame: Expr, start: int) -> Key:
    """After ``frame:``, the ``(value)`` part of a key."""
    parser.expect("(", "after ':' (write keys as frame:(value))")
    value_position = parser.token.position
    parser.allowed = VARIABLES
    value = parser.top_expression()
    parser.allowed = ("max_f", "fps")
    parser.expect(")", "to close the key's value")
    return Key(frame, value, start, value_position)


# -- writing schedules -------------------------------------------------------------------------


def format_number(value: float, digits: int = 6) -> str:
    """A short decimal for ``value`` (at most ``digits`` decimals, no exponent, no trailing zeros)."""
    text = np.format_float_positional(round(float(value), digits), trim="-")
    return "0" if text in ("-0", "-0.") else text


def format_schedule(keys: Iterable[tuple[int, float]], digits: int = 6) -> str:
    """``[(0, 1.0), (30, 1.25)]`` as ``"0:(1), 30:(1.25)"``: text :func:`parse_schedule` reads back."""
    return ", ".join(f"{int(frame)}:({format_number(value, digits)})" for frame, value in keys)


# -- the pydantic field type -------------------------------------------------------------------


def _check_schedule(value: Any) -> str:
    try:
        schedule = parse_schedule(value)
    except ScheduleError as error:
        raise ValueError(str(error.named(""))) from None  # pydantic names the field
    return schedule.text


ScheduleText = Annotated[str, BeforeValidator(_check_schedule)]
"""A params field holding a schedule (text, or a plain number); its syntax is checked on load."""

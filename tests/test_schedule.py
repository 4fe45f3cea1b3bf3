"""Schedules: the parser and evaluator against an independent tree evaluator, and interpolation laws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shotgraph.schedule import (
    INTERPOLATIONS,
    ScheduleError,
    ScheduleText,
    format_schedule,
    parse_expression,
    parse_schedule,
    evaluate,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- an independent model of expressions: trees, printed two ways, evaluated with math ----------
# precedence of the documented grammar: + - (1) < * / % (2) < unary (3) < ** (4) < atoms (5)
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "**": 4}
FUNCTIONS_1 = {"sin": math.sin, "cos": math.cos, "abs": abs, "floor": math.floor, "ceil": math.ceil}
ENV = {"t": 7.0, "s": 7.0 / 24, "max_f": 47.0, "fps": 24.0, "pi": math.pi}

numbers = st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False).map(lambda d: ("num", str(d)))
names = st.sampled_from(["t", "s", "max_f", "fps", "pi"]).map(lambda n: ("var", n))


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/", "%"]), children, children).map(lambda x: ("bin", *x)),
        st.tuples(children, st.integers(0, 3).map(lambda n: ("num", str(n)))).map(lambda x: ("bin", "**", *x)),
        st.tuples(st.sampled_from(["-", "+"]), children).map(lambda x: ("neg", *x)),
        st.tuples(st.sampled_from(sorted(FUNCTIONS_1)), children).map(lambda x: ("call", x[0], (x[1],))),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3)).map(
            lambda x: ("call", x[0], tuple(x[1]))),
    )


trees = st.recursive(st.one_of(numbers, names), _extend, max_leaves=12)


def reference(tree) -> float:
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "var":
        return ENV[tree[1]]
    if kind == "neg":
        value = reference(tree[2])
        return -value if tree[1] == "-" else value
    if kind == "call":
        args = [reference(a) for a in tree[2]]
        if tree[1] in ("min", "max"):
            return (min if tree[1] == "min" else max)(args)
        return float(FUNCTIONS_1[tree[1]](args[0]))
    op, left, right = tree[1], reference(tree[2]), reference(tree[3])
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return left / right
    if op == "%":
        return left % right  # Python's rule (the sign of the divisor), as documented
    return left**right


def full_text(tree) -> str:
    """Every sub-expression in parentheses: tests the grammar without relying on precedence."""
    kind = tree[0]
    if kind in ("num", "var"):
        return tree[1]
    if kind == "neg":
        return f"({tree[1]}{full_text(tree[2])})"
    if kind == "call":
        return f"{tree[1]}({', '.join(full_text(a) for a in tree[2])})"
    return f"({full_text(tree[2])} {tree[1]} {full_text(tree[3])})"


def minimal_text(tree) -> str:
    """Parentheses only where the documented precedence and associativity need them."""
    return _minimal(tree)[0]


def _minimal(tree) -> tuple[str, int]:
    kind = tree[0]
    if kind in ("num", "var"):
        return tree[1], 5
    if kind == "call":
        return f"{tree[1]}({','.join(minimal_text(a) for a in tree[2])})", 5
    if kind == "neg":
        text, level = _minimal(tree[2])
        return tree[1] + (text if level >= 3 else f"({text})"), 3
    op = tree[1]
    mine = PRECEDENCE[op]
    left, left_level = _minimal(tree[2])
    right, right_level = _minimal(tree[3])
    if op == "**":  # right-associative; its left side must be an atom (-2**2 is -(2**2))
        left = left if left_level >= 5 else f"({left})"
        right = right if right_level >= 3 else f"({right})"
    else:  # left-associative
        left = left if left_level >= mine else f"({left})"
        right = right if right_level > mine else f"({right})"
    return f"{left}{op}{right}", mine


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def reference_or_skip(tree) -> float:
    try:
        value = reference(tree)
    except (ZeroDivisionError, OverflowError, ValueError):
        assume(False)
    assume(isinstance(value, float) and math.isfinite(value) and abs(value) < 1e12)
    return value


@FAST
@given(trees)
def test_parser_agrees_with_an_independent_evaluator_fully_parenthesised(tree):
    expected = reference_or_skip(tree)
    assert close(float(evaluate(parse_expression(full_text(tree)), ENV)), expected)


@FAST
@given(trees)
def test_precedence_and_associativity_with_minimal_parentheses(tree):
    expected = reference_or_skip(tree)
    assert close(float(evaluate(parse_expression(minimal_text(tree)), ENV)), expected)


@FAST
@given(trees)
def test_vectorised_evaluation_equals_frame_by_frame(tree):
    text = full_text(tree)
    expr = parse_expression(text)
    t = np.arange(6, dtype=np.float64)
    env = {"t": t, "s": t / 24, "max_f": 47.0, "fps": 24.0}
    with np.errstate(all="ignore"):
        together = np.broadcast_to(np.asarray(evaluate(expr, env), dtype=np.float64), t.shape)
        for k in range(6):
            single = float(evaluate(expr, {"t": float(k), "s": k / 24, "max_f": 47.0, "fps": 24.0}))
            if math.isfinite(single):
                assert close(together[k], single)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_gives_a_positioned_schedule_error(text):
    try:
        parse_schedule(text)
    except ScheduleError as error:
        assert error.position is None or 0 <= error.position <= len(text)
        assert "Traceback" not in str(error)


key_lists = st.dictionaries(st.integers(0, 120), st.decimals(-50, 50, places=4).map(float), min_size=1, max_size=8)


@FAST
@given(key_lists, st.integers(0, 10_000), st.sampled_from(list("@#$^&?;[]{}!~`'\"")))
def test_an_illegal_character_is_reported_at_its_position(keys, where, char):
    text = format_schedule(sorted(keys.items()))
    where = where % (len(text) + 1)
    broken = text[:where] + char + text[where:]
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(broken)
    assert caught.value.position == where
    *_, shown, caret = str(caught.value).splitlines()
    assert shown[caret.index("^")] == char  # the caret sits under the character, even in a long text


@FAST
@given(key_lists, st.sampled_from(INTERPOLATIONS))
def test_keys_are_hit_exactly_and_held_outside(keys, method):
    frames = sorted(keys)
    schedule = parse_schedule(format_schedule(sorted(keys.items())))
    n = frames[-1] + 10
    values = schedule.values(n, 24, method)
    for frame in frames:
        assert close(values[frame], keys[frame])
    assert np.all(values[: frames[0] + 1] == keys[frames[0]])
    assert np.all(values[frames[-1] :] == keys[frames[-1]])


@FAST
@given(key_lists.filter(lambda k: len(k) >= 2), st.sampled_from(["linear", "step", "ease_in", "ease_out", "ease_in_out"]))
def test_between_keys_values_stay_between_and_move_one_way(keys, method):
    frames = sorted(keys)
    values = parse_schedule(format_schedule(sorted(keys.items()))).values(frames[-1] + 1, 24, method)
    for a, b in zip(frames, frames[1:]):
        segment = values[a : b + 1]
        lo, hi = sorted((keys[a], keys[b]))
        assert segment.min() >= lo - 1e-9 and segment.max() <= hi + 1e-9
        steps = np.diff(segment)
        assert np.all(steps * np.sign(keys[b] - keys[a]) >= -1e-9)  # monotone towards the next key
        if method == "step":
            assert np.all(segment[:-1] == keys[a])


@FAST
@given(key_lists.filter(lambda k: len(k) == 2))
def test_cubic_through_two_keys_is_the_straight_line(keys):
    text = format_schedule(sorted(keys.items()))
    n = max(keys) + 3
    assert np.allclose(parse_schedule(text).values(n, 24, "cubic"), parse_schedule(text).values(n, 24, "linear"))


@FAST
@given(st.decimals(-10, 10, places=3).map(float), st.decimals(-10, 10, places=3).map(float))
def test_a_bare_expression_is_the_same_as_one_key_at_frame_0(a, b):
    bare = f"{a} + {b}*sin(t/5)"
    assert np.allclose(parse_schedule(bare).values(30, 24), parse_schedule(f"0:({bare})").values(30, 24))


# -- examples from the issue and Deforum ------------------------------------------------------


def test_deforum_examples():
    zoom = parse_schedule("0:(1.0), 30:(1.25), 90:(1.0)").values(100, 24)
    assert zoom[0] == 1.0 and zoom[15] == pytest.approx(1.125) and zoom[30] == 1.25
    assert zoom[60] == pytest.approx(1.125) and zoom[90] == 1.0 and zoom[99] == 1.0
    wobble = parse_schedule("0:(1.0+0.002*sin(1.25*pi*t/30))").values(60, 24)
    t = np.arange(60)
    assert np.allclose(wobble, 1.0 + 0.002 * np.sin(1.25 * np.pi * t / 30))


def test_expression_keys_hold_until_the_next_key_and_plain_keys_interpolate_into_them():
    values = parse_schedule("0:(0), 10:(t), 20:(5)").values(25, 24)
    assert values[5] == pytest.approx(5.0)  # from 0 towards t's value at frame 10 (10)
    assert values[10] == 10 and values[19] == 19  # t itself from frame 10 on
    assert values[20] == 5 and values[24] == 5


def test_variables_seconds_max_f_and_fps():
    values = parse_schedule("0:(s), max_f:(fps)").values(49, 24)
    assert values[12] == pytest.approx(0.5)  # s = t / fps (an expression key holds until max_f)
    assert values[48] == 24
    assert parse_schedule("2*fps:(1), 0:(0)").values(60, 24)[24] == pytest.approx(0.5)


def test_cubic_is_smooth_through_a_middle_key():
    values = parse_schedule("0:(0), 30:(1), 60:(0)").values(61, 24, "cubic")
    assert values[30] == 1.0 and values.max() <= 1.0 + 1e-12
    corner = lambda v: abs((v[31] - v[30]) - (v[30] - v[29]))  # noqa: E731
    linear = parse_schedule("0:(0), 30:(1), 60:(0)").values(61, 24, "linear")
    assert corner(values) < 0.1 * corner(linear)  # rounded over the key, not a corner


def test_easing_starts_or_ends_slowly():
    ease_in = parse_schedule("0:(0), 10:(1)").values(11, 24, "ease_in")
    ease_out = parse_schedule("0:(0), 10:(1)").values(11, 24, "ease_out")
    assert ease_in[1] < 0.01 and ease_in[9] < 0.8
    assert ease_out[1] > 0.2 and ease_out[9] > 0.99


@pytest.mark.parametrize("text,position,needle", [
    ("0:(1.0+sin(t)", 13, "expected ')'"),
    ("0:(1.0 + x)", 9, "unknown name 'x'"),
    ("0:(sinn(t))", 3, "did you mean 'sin'"),
    ("t:(1)", 0, "'t' cannot be used here"),
    ("0:(2^3)", 4, "use ** for powers"),
    ("0:(1), 0:(2)", 7, "frame 0 has two keys"),
    ("0 (1)", 2, "expected ':'"),
    ("0:(max(1))", 3, "at least 2 arguments"),
    ("0:(1) 10:(2)", 6, "keys are separated by commas"),
])
def test_errors_point_at_the_character(text, position, needle):
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text).values(20, 24)
    assert caught.value.position == position
    assert needle in str(caught.value)
    assert f"character {position + 1}" in str(caught.value)


def test_a_value_that_is_not_finite_names_the_frame():
    with pytest.raises(ScheduleError, match="frame 10"):
        parse_schedule("0:(1/(t-10))").values(20, 24)
    with pytest.raises(ScheduleError, match="frame 0"):
        parse_schedule("sqrt(t-5)").values(10, 24)


def test_schedule_field_validates_on_load():
    class Params(BaseModel):
        zoom: ScheduleText = "1"

    assert Params(zoom=1.5).zoom == "1.5"
    assert Params(zoom="0:(1), 10:(2)").zoom == "0:(1), 10:(2)"
    with pytest.raises(ValidationError, match="character 6: expected a number"):
        Params(zoom="0:(1+)")


def test_format_round_trips():
    keys = [(0, 1.0), (12, 1.0512), (13, -0.25), (40, 3.0)]
    text = format_schedule(keys)
    assert text == "0:(1), 12:(1.0512), 13:(-0.25), 40:(3)"
    values = parse_schedule(text).values(41, 24, "step")
    assert [values[f] for f, _ in keys] == [v for _, v in keys]

"""Prompt schedules: which prompt (and negative prompt) each frame of a loop is diffused with.

Deforum's form: ``"0: a misty forest, 48: a neon city"`` (or, in a project file, a mapping
``{0: a misty forest, 48: a neon city}``). A key is a frame number followed by ``:`` at the start
of the text or after a comma; the prompt runs until the next key, commas and all, so
``"0: a forest, misty, 4k, 48: a city"`` has two prompts. Text without a leading key is one prompt
for every frame. A prompt holds from its key until the next (before the first key, the first
prompt holds). ``--neg`` inside a prompt starts that prompt's negative prompt, as in Deforum:
``"0: a forest --neg blurry"``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator

from shotgraph.errors import ParamError

_KEY = re.compile(r"(?:^|,)\s*(\d+)\s*:")
NEGATIVE_MARK = "--neg"
MAX_PROMPT = 4000


@dataclass(frozen=True)
class Prompt:
    text: str
    negative: str = ""


def _split_negative(text: str) -> Prompt:
    positive, _, negative = text.partition(NEGATIVE_MARK)
    return Prompt(positive.strip(), negative.strip())


def _keys(value: str | Mapping) -> list[tuple[int, str]]:
    if isinstance(value, Mapping):
        keys = []
        for frame, text in value.items():
            try:
                number = int(str(frame).strip())
            except ValueError:
                raise ParamError(f"prompt key {frame!r} is not a frame number") from None
            if not isinstance(text, str):
                raise ParamError(f"prompt for frame {number} must be text, not {type(text).__name__}")
            keys.append((number, text))
        return keys
    if not isinstance(value, str):
        raise ParamError(f"a prompt is text (or frame: text pairs), not {type(value).__name__}")
    found = list(_KEY.finditer(value))
    if not found or found[0].start() != 0:
        return [(0, value)]
    return [(int(match.group(1)), value[match.end(): following.start() if following else len(value)])
            for match, following in zip(found, [*found[1:], None])]


@dataclass(frozen=True)
class PromptSchedule:
    """Prompts by key frame; :meth:`at` gives a frame's prompt."""

    frames: tuple[int, ...]
    prompts: tuple[Prompt, ...]

    @staticmethod
    def parse(value: str | Mapping) -> "PromptSchedule":
        keys = _keys(value)
        frames = [frame for frame, _ in keys]
        if len(set(frames)) != len(frames):
            twice = next(frame for frame in frames if frames.count(frame) > 1)
            raise ParamError(f"prompt: frame {twice} has two prompts")
        ordered = sorted((frame, _split_negative(text)) for frame, text in keys)
        for frame, prompt in ordered:
            if len(prompt.text) + len(prompt.negative) > MAX_PROMPT:
                raise ParamError(f"prompt at frame {frame} is over {MAX_PROMPT} characters")
        return PromptSchedule(tuple(f for f, _ in ordered), tuple(p for _, p in ordered))

    def at(self, frame: int) -> Prompt:
        return self.prompts[max(0, bisect_right(self.frames, frame) - 1)]

    @property
    def empty(self) -> bool:
        return not any(prompt.text for prompt in self.prompts)


def _check(value: Any) -> str | dict[int, str]:
    try:
        PromptSchedule.parse(value)
    except ParamError as error:
        raise ValueError(str(error)) from None
    if isinstance(value, Mapping):
        return {int(str(frame).strip()): text for frame, text in sorted(value.items(), key=lambda kv: int(str(kv[0])))}
    return value


PromptText = Annotated[str | dict[int, str], BeforeValidator(_check)]
"""A params field holding one prompt, or prompts by frame (text ``"0: a, 48: b"`` or a mapping)."""

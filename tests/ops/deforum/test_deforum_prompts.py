"""Prompt schedules: Deforum's "frame: prompt" text and project-file mappings."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from shotgraph.ops.deforum.prompts import Prompt, PromptSchedule, PromptText
from shotgraph.errors import ParamError


def test_keyed_text_switches_prompts_at_their_frames_and_keeps_commas():
    schedule = PromptSchedule.parse("0: a misty forest, morning light, 48: a neon city --neg people, rain")
    assert schedule.at(0) == schedule.at(47) == Prompt("a misty forest, morning light")
    assert schedule.at(48) == schedule.at(500) == Prompt("a neon city", "people, rain")


def test_plain_text_is_one_prompt_and_ratios_are_not_keys():
    schedule = PromptSchedule.parse("a 16:9 frame of a forest, 4k")
    assert schedule.frames == (0,) and schedule.at(99).text == "a 16:9 frame of a forest, 4k"


def test_a_mapping_and_keys_in_any_order():
    schedule = PromptSchedule.parse({"30": "b", 10: "a"})
    assert schedule.frames == (10, 30)
    assert schedule.at(0).text == "a"  # before the first key, the first prompt holds
    assert schedule.at(30).text == "b"


@pytest.mark.parametrize("value,needle", [
    ("0: a, 0: b", "frame 0 has two prompts"),
    ({"x": "a"}, "not a frame number"),
    ({0: 5}, "must be text"),
])
def test_mistakes_name_the_key(value, needle):
    with pytest.raises(ParamError, match=needle):
        PromptSchedule.parse(value)


def test_the_field_type_validates_and_normalises():
    class Params(BaseModel):
        prompt: PromptText = ""

    assert Params(prompt={"12": "b", "0": "a"}).prompt == {0: "a", 12: "b"}
    with pytest.raises(ValidationError, match="two prompts"):
        Params(prompt="3: a, 3: b")

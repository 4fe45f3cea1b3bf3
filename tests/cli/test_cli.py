"""The CLI as a user meets it: exit codes, one-line errors, no tracebacks (in-process through
``main``, as the console script calls it; one test runs the real entry point)."""

from __future__ import annotations

import json

import pytest
from cli_runner import shotgraph
from projects import PROJECT, make_project, write_wav
from synthetic import indexed_clip, read_index

from shotgraph.media import open_video, write_clip




def assert_clean_error(result, *needles):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    text = result.stderr + result.stdout
    for needle in needles:
        assert needle in text, text


def test_the_installed_entry_point_runs_and_help_loads_no_op():
    """``python -m shotgraph`` as a shell runs it; ``--help`` lists every command from the indexes,
    importing neither NumPy nor any op (start-up stays well under half a second)."""
    import subprocess
    import sys

    version = subprocess.run([sys.executable, "-m", "shotgraph", "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("shotgraph ")
    probe = ("import sys, contextlib, io\nfrom shotgraph.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()) as text:\n"
             "    try: main(['--help'])\n    except SystemExit: pass\n"
             "heavy = sorted(m for m in sys.modules if m in ('numpy', 'cv2', 'av', 'pydantic') or m.startswith('shotgraph.ops.'))\n"
             "print('resize' in text.getvalue(), heavy)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.split(" ", 1) == ["True", "['shotgraph.ops.index']\n"], result.stdout + result.stderr


def test_help_on_every_command():
    top = shotgraph("--help")
    assert top.returncode == 0
    for command in ["run", "plan", "replay", "probe", "ops", "cache", "resize", "trim", "fps", "concat", "still"]:
        assert command in top.stdout
        result = shotgraph(command, "--help")
        assert result.returncode == 0 and "Usage" in result.stdout, command


def test_probe_prints_json(tmp_path):
    path = write_clip(indexed_clip(12), tmp_path / "in.mp4")
    info = json.loads(shotgraph("probe", path).stdout)
    assert info["video"]["frames"] == 12 and info["audio"][0]["codec"] == "aac"


def test_op_commands_stream_from_file_to_file(tmp_path):
    source = write_clip(indexed_clip(48), tmp_path / "in.mp4")
    resized = shotgraph("resize", source, "-o", tmp_path / "small.mp4", "--width", 160, "--height", -2,
                        "--crf", 18)
    assert resized.returncode == 0, resized.stderr
    clip = open_video(tmp_path / "small.mp4")
    assert (clip.video.width, clip.video.height) == (160, 120) and clip.audio is not None
    trimmed = shotgraph("trim", source, "-o", tmp_path / "cut.mkv", "--start", "12f", "--duration", 1)
    assert trimmed.returncode == 0, trimmed.stderr
    assert [read_index(f) for f in open_video(tmp_path / "cut.mkv").frames()][:3] == [12, 13, 14]
    joined = shotgraph("concat", source, tmp_path / "cut.mkv", "-o", tmp_path / "joined.mp4")
    assert joined.returncode == 0, joined.stderr
    assert open_video(tmp_path / "joined.mp4").n_frames == 48 + 24


@pytest.mark.slow
def test_run_plan_cache_and_replay(tmp_path):
    project = make_project(tmp_path / "proj")
    plan = shotgraph("plan", project, "--json")
    assert plan.returncode == 0
    assert {row["state"] for row in json.loads(plan.stdout)} == {"run", "inline"}  # inline: the footage, read in place
    run = shotgraph("run", project)
    assert run.returncode == 0, run.stderr
    assert "0 cached" in run.stderr
    again = json.loads(shotgraph("plan", project, "--json").stdout)
    assert [row["state"] for row in again] == ["cached"]
    listing = shotgraph("cache", "ls", project, "--json")
    assert listing.returncode == 0
    entries = json.loads(listing.stdout)
    assert len(entries) == 6 and all(e["in_project"] for e in entries)  # the footage itself is not copied
    assert "deliverables.web" in {e["node"] for e in entries}
    replay = shotgraph("replay", project.parent / ".shotgraph" / "runs" / "latest.json", "-o", tmp_path / "again")
    assert replay.returncode == 0, replay.stderr
    assert "0 different" in replay.stderr
    gc = shotgraph("cache", "gc", "--all", "--cache-dir", project.parent / ".shotgraph" / "cache")
    assert gc.returncode == 0 and "removed" in gc.stdout


@pytest.mark.parametrize("args,needles", [
    (["probe", "missing.mp4"], ["error:", "file not found: missing.mp4"]),
    (["probe", "take[final].mp4"], ["file not found: take[final].mp4"]),  # brackets are not markup
    (["resize", "missing.mp4", "-o", "x.mp4", "--width", "10"], ["file not found"]),
    (["run", "nope.yaml"], ["project file not found"]),
    (["resize", "in.mp4", "-o", "x.mp4", "--mode", "zoom"], ["zoom"]),
    (["resize", "in.mp4", "-o", "x.mp4"], ["give width or height"]),
    (["resize", "in.mp4", "-o", "x.mp4", "--width", "abc"], ["--width"]),
    (["resize", "in.mp4", "-o", "x.mp4", "--width", "10", "--no-such-option"], ["No such option"]),
    (["trim", "in.mp4", "-o", "x.mp4", "--start", "soon"], ["not a time"]),
    (["resize", "in.mp4", "-o", "x.avi", "--width", "10"], ["unknown output type .avi"]),
    (["resize", "in.mp4", "-o", "x.mp4", "--width", "101", "--height", "75", "--mode", "stretch"], ["odd side"]),
    (["frobnicate"], ["No such command"]),
    (["shots", "in.mp4", "--min-length", "-1"], ["--min-length"]),
    (["deliver", "in.mp4", "-o", "x.mp4", "--fps", "0"], ["deliver: --fps: frame rate"]),  # no "Value error,"
    (["resize", "in.mp4", "-o", "in.mp4/x.mp4", "--width", "10"], ["cannot write in.mp4/x.mp4"]),  # not a folder
    (["deliver", "in.mp4", "-o", "x.mp4", "--width", "101", "--height", "75"], ["x.mp4: 101x75 has an odd side"]),
    (["cache", "gc", "--older-than", "-1", "--cache-dir", "c"], ["--older-than"]),  # used to remove everything
    (["cache", "gc", "--max-size", "-5G", "--cache-dir", "c"], ["--max-size: '-5G'"]),
    (["cache", "gc", "--max-size", "inf", "--cache-dir", "c"], ["--max-size: 'inf'"]),  # was an OverflowError
    (["camera", "blender-script", "-o", "."], ["cannot write .: it is a folder"]),  # was a traceback
    (["deforum", "in.mp4", "-o", "x.mp4", "--prompt", "cat", "--seed", "-1"], ["--seed"]),
    # a schedule mistake is reported before a missing model, not hidden behind it
    (["deforum", "in.mp4", "-o", "x.mp4", "--prompt", "cat", "--strength", "0:(2)"],
     ["strength must be between 0 and 1, it is 2 at frame 0"]),
])
def test_user_mistakes_are_one_clear_line(tmp_path, args, needles):
    write_clip(indexed_clip(6), tmp_path / "in.mp4")
    assert_clean_error(shotgraph(*args, cwd=tmp_path), *needles)


def test_corrupt_video_and_bad_project_are_clean_errors(tmp_path):
    (tmp_path / "bad.mp4").write_bytes(b"\x00" * 1000)
    assert_clean_error(shotgraph("probe", "bad.mp4", cwd=tmp_path), "cannot read bad.mp4")
    (tmp_path / "p.yaml").write_text("shotgraph: 1\nshots:\n  a:\n    source: {op: still, image: nope.png}\n")
    assert_clean_error(shotgraph("run", "p.yaml", cwd=tmp_path), "p.yaml:4", "file not found")


def test_files_of_the_wrong_kind_are_clean_errors(tmp_path):
    (tmp_path / "notes.png").write_text("hello\n")  # a text file renamed .png
    assert_clean_error(shotgraph("probe", "notes.png", cwd=tmp_path), "cannot read notes.png")
    write_wav(tmp_path / "voice.wav", seconds=0.5)
    assert_clean_error(shotgraph("validate", "voice.wav", "--preset", "tiktok", cwd=tmp_path),
                       "voice.wav has no video stream")


def test_unknown_delivery_preset_is_caught_with_the_project_file(tmp_path):
    document = {**PROJECT, "deliverables": {"web": {"path": "out/film.mp4", "preset": "nope"}}}
    project = make_project(tmp_path, document)
    # plan names the field and line; it used to pass, and run failed only after rendering the edit
    assert_clean_error(shotgraph("plan", project), "project.yaml:", "deliverables.web.preset",
                       "unknown delivery preset 'nope'")


def test_an_error_inside_a_run_names_the_step_not_the_cache(tmp_path):
    """The odd width only shows when the deliverable encodes: the error says which node, and no
    scratch path from the cache."""
    import copy

    document = copy.deepcopy(PROJECT)
    document["width"] = 101
    result = shotgraph("run", make_project(tmp_path / "proj", document))
    assert_clean_error(result, "deliverables.web: 101x120 has an odd side")
    assert "cache/tmp" not in result.stderr.replace("\n", "")


def test_bad_luts_timelines_and_output_paths_are_clean_errors(tmp_path):
    write_clip(indexed_clip(6), tmp_path / "in.mp4")
    rows = "".join(f"{r} {g} {b}\n" for b in (0, 1) for g in (0, 1) for r in (0, 1))
    (tmp_path / "zero.cube").write_text("LUT_3D_SIZE 0\n")
    (tmp_path / "flipped.cube").write_text("LUT_3D_SIZE 2\nDOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 0 0\n" + rows)
    assert_clean_error(shotgraph("grade", "in.mp4", "-o", "g.mp4", "--lut", "zero.cube", cwd=tmp_path),
                       "zero.cube: LUT size 0 is too small")
    assert_clean_error(shotgraph("grade", "in.mp4", "-o", "g.mp4", "--lut", "flipped.cube", cwd=tmp_path),
                       "flipped.cube: DOMAIN_MIN")  # was accepted: a division by zero on every pixel
    (tmp_path / "cut.otio").write_text('{"not": "a timeline"}\n')
    assert_clean_error(shotgraph("conform", "import", "cut.otio", cwd=tmp_path), "cut.otio: not an OpenTimelineIO timeline")
    (tmp_path / "stills").mkdir()
    assert_clean_error(shotgraph("generate", "-o", "gen.mp4", "--prompt", "cat", "--image", "stills", cwd=tmp_path),
                       "stills is a folder, not an image")
    # the camera file's type is checked before the render, not after it
    assert_clean_error(shotgraph("animate", "in.mp4", "-o", "a.mp4", "--duration", "0.2", "--camera", "cam.txt",
                                 cwd=tmp_path), "cam.txt: a camera path is written as .json or .csv")
    assert not (tmp_path / "a.mp4").exists()


def test_edit_and_project_mistakes_name_the_clip_and_the_field(tmp_path):
    import yaml

    write_clip(indexed_clip(24), tmp_path / "in.mp4")
    for clip, needle in (({"shot": "in.mp4", "in": 0.8, "out": 0.2}, "out (0.2 s) must come after in (0.8 s)"),
                         ({"shot": "in.mp4", "in": "20f", "out": "10f"}, "edit clip 2 (in.mp4): "),
                         ({"shot": "in.mp4", "out": 5}, "out 5.0 is after the end of in.mp4 (1.000 s)")):
        (tmp_path / "cut.yaml").write_text(yaml.safe_dump({"clips": [{"shot": "in.mp4"}, clip]}))
        assert_clean_error(shotgraph("edit", tmp_path / "cut.yaml", "-o", tmp_path / "out.mp4"), needle)
    document = yaml.safe_load(make_project(tmp_path / "proj").read_text())
    document["shots"]["a"]["source"]["seed"] = -1
    (tmp_path / "proj" / "project.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    assert_clean_error(shotgraph("plan", tmp_path / "proj" / "project.yaml"), "shots.a.source.seed", "2**63 - 1")

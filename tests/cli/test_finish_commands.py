"""The finishing commands as a user runs them: presets, deliver + validate, edit, shots, conform."""

from __future__ import annotations

import json

import yaml
from synthetic import indexed_clip, read_index
from test_cli import assert_clean_error, shotgraph

from shotgraph.media import open_video, write_clip
from shotgraph.media.encode import VideoEncoding


def test_presets_deliver_and_validate(tmp_path):
    assert shotgraph("presets").returncode == 0
    listing = json.loads(shotgraph("presets", "--json").stdout)
    assert set(listing) == {"youtube-1080p", "youtube-4k", "instagram-reels", "tiktok", "x-landscape",
                            "prores-master", "archive"}
    assert listing["prores-master"]["video"]["profile"] == "hq" and listing["archive"]["audio"]["codec"] == "flac"
    write_clip(indexed_clip(24, width=320, height=180), tmp_path / "in.mp4")
    result = shotgraph("deliver", "in.mp4", "-o", "out.mov", "--preset", "prores-master", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and any(c["name"] == "integrated loudness" for c in report["checks"])
    assert (tmp_path / "out.validation.json").is_file()
    good = shotgraph("validate", "out.mov", "--preset", "prores-master", cwd=tmp_path)
    assert good.returncode == 0 and "FAIL" not in good.stdout
    bad = shotgraph("validate", "out.mov", "--preset", "youtube-1080p", cwd=tmp_path)
    assert bad.returncode == 1 and "FAIL" in bad.stdout
    assert_clean_error(shotgraph("deliver", "in.mp4", "-o", "x.mp4", "--preset", "prores-master", cwd=tmp_path), "writes .mov")
    assert_clean_error(shotgraph("deliver", "in.mp4", "-o", "x.mp4", "--preset", "vimeo", cwd=tmp_path), "unknown delivery preset")


def test_edit_command_with_smart_render_and_titles(tmp_path):
    write_clip(indexed_clip(48, width=320, height=240), tmp_path / "a.mp4",
               VideoEncoding(codec="h264", crf=18, gop=24, preset="veryfast"))
    (tmp_path / "cut.yaml").write_text(yaml.safe_dump({
        "assets": {"a": "a.mp4"},
        "clips": [{"shot": "a"}, {"title": {"text": "Fin", "duration": 0.5},
                                  "transition": {"kind": "dip-to-black", "duration": 0.25}}],
        "deliver": {"video": {"codec": "h264", "crf": 18, "gop": 24, "preset": "veryfast"}},
    }))
    result = shotgraph("edit", "cut.yaml", "-o", "cut.mp4", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stream-copied" in result.stderr  # the first GOP of a.mp4, untouched by the dip
    clip = open_video(tmp_path / "cut.mp4")
    assert clip.n_frames == 48 + 12 - 6
    assert [read_index(f) for f in clip.frames(0, 24)] == list(range(24))
    assert_clean_error(shotgraph("edit", "nope.yaml", "-o", "x.mp4", cwd=tmp_path), "edit file not found")


def test_shots_and_conform_import(tmp_path):
    write_clip(indexed_clip(30, width=320, height=240), tmp_path / "in.mp4")
    result = shotgraph("shots", "in.mp4", "-o", "shots.yaml", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows[0]["start_frame"] == 0 and rows[-1]["end_frame"] == 30
    project = yaml.safe_load((tmp_path / "shots.yaml").read_text())
    assert project["assets"]["source"]["path"] == "in.mp4" and len(project["edit"]["clips"]) == len(rows)
    (tmp_path / "cut.edl").write_text(
        "TITLE: test\nFCM: NON-DROP FRAME\n\n"
        "001  SHOTA    V     C        00:00:01:00 00:00:02:00 01:00:00:00 01:00:01:00\n"
        "002  SHOTB    V     C        00:00:00:12 00:00:01:12 01:00:01:00 01:00:02:00\n")
    imported = shotgraph("conform", "import", "cut.edl", "--rate", "24", "-o", "edit.yaml", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    edit = yaml.safe_load((tmp_path / "edit.yaml").read_text())["edit"]
    assert [(c["shot"], c["in"], c["out"]) for c in edit["clips"]] == [("SHOTA", "24f", "48f"), ("SHOTB", "12f", "36f")]

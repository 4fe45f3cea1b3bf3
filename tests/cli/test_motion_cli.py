"""The motion commands as a user runs them: interpolate, flow (pictures and files), deflicker,
warping-error, and interpolate as a step of a project."""

from __future__ import annotations

from cli_runner import shotgraph

import json
from fractions import Fraction

import numpy as np
import yaml
from motion_sequences import motion_clip, texture

from shotgraph.clip import AudioInfo, FunctionClip
from shotgraph.flow import read_flo, read_flow_png16
from shotgraph.media import open_video, write_clip
from shotgraph.media.encode import VideoEncoding
from shotgraph.media.probe import probe
from synthetic import tone




def write_pan(path, n=12, fps=24, audio=True):
    clip = motion_clip("sprites", n, step=1.0, fps=Fraction(fps))
    if audio:
        rate = 48000
        clip = FunctionClip(clip.video, clip.make_frame, AudioInfo(rate, 2), lambda s, e: iter([tone(s, e, rate)]))
    return write_clip(clip, path, VideoEncoding(crf=12, preset="veryfast"))


def test_interpolate_command_doubles_the_rate_and_keeps_audio_in_sync(tmp_path):
    source = write_pan(tmp_path / "in.mp4")
    result = shotgraph("interpolate", source, "-o", tmp_path / "out.mp4", "--factor", "2")
    assert result.returncode == 0, result.stderr
    before, after = probe(source), probe(tmp_path / "out.mp4")
    assert after["video"]["frames"] == 2 * before["video"]["frames"] == 24
    assert after["video"]["fps"]["fraction"] == "48/1"
    assert abs(after["duration"] - before["duration"]) < 0.05
    assert after["audio"] and abs(after["audio"][0]["duration"] - after["video"]["duration"]) < 0.05


def test_interpolate_command_to_an_arbitrary_rate(tmp_path):
    source = write_pan(tmp_path / "in.mp4", audio=False)
    result = shotgraph("interpolate", source, "-o", tmp_path / "out.mp4", "--fps", "60", "--no-dedupe")
    assert result.returncode == 0, result.stderr
    clip = open_video(tmp_path / "out.mp4")
    assert clip.video.fps == 60 and clip.n_frames == 30


def test_interpolate_command_errors_are_one_line(tmp_path):
    source = write_pan(tmp_path / "in.mp4", audio=False)
    result = shotgraph("interpolate", source, "-o", tmp_path / "out.mp4")
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
    assert "either factor" in result.stderr + result.stdout
    result = shotgraph("interpolate", source, "-o", tmp_path / "o.mp4", "--factor", "2", "--backend", "rife",
                       "--weights", tmp_path / "missing.pkl")
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout


def test_flow_command_writes_pictures_flo_and_png16(tmp_path):
    source = write_pan(tmp_path / "in.mp4", n=5, audio=False)
    result = shotgraph("flow", source, "-o", tmp_path / "flow.mp4")
    assert result.returncode == 0, result.stderr
    assert open_video(tmp_path / "flow.mp4").n_frames == 5
    result = shotgraph("flow", source, "-o", tmp_path / "flo", "--format", "flo", "--backward")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "flo").iterdir())
    assert names == ["back_00001.flo", "back_00002.flo", "back_00003.flo", "back_00004.flo",
                     "flow_00000.flo", "flow_00001.flo", "flow_00002.flo", "flow_00003.flo"]
    flow = read_flo(tmp_path / "flo" / "flow_00000.flo")
    assert flow.shape == (128, 192, 2)
    # the red sprite (centred at 20, 30) moves +4, +1 per frame
    vx, vy = np.median(flow[24:37, 14:27].reshape(-1, 2), axis=0)
    assert abs(vx - 4) < 1 and abs(vy - 1) < 1
    result = shotgraph("flow", source, "-o", tmp_path / "png", "--format", "png16")
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "png").glob("*_dx.png"))) == 4
    assert np.abs(read_flow_png16(tmp_path / "png" / "flow_00000") - flow).max() < 0.05


def test_deflicker_and_warping_error_commands(tmp_path):
    tex = texture(320, 256, 3)
    from motion_sequences import motion_frame

    def flickering(i):
        frame = motion_frame("pan", 0.5 * i, tex=tex).astype(np.int16)
        return np.clip(frame + (14 if i % 2 else -14), 0, 255).astype(np.uint8)

    clip = motion_clip("pan", 10)
    source = write_clip(FunctionClip(clip.video, flickering), tmp_path / "flicker.mp4",
                        VideoEncoding(crf=12, preset="veryfast"))
    result = shotgraph("deflicker", source, "-o", tmp_path / "steady.mp4")
    assert result.returncode == 0, result.stderr
    assert "deflicker: warping error" in result.stdout
    before = json.loads(shotgraph("warping-error", source).stdout)["warping_error"]
    after = json.loads(shotgraph("warping-error", tmp_path / "steady.mp4").stdout)["warping_error"]
    assert after < 0.5 * before, (before, after)


def test_interpolate_as_a_project_step(tmp_path):
    write_pan(tmp_path / "pan.mp4", n=12, fps=12)
    project = {
        "shotgraph": 1, "fps": 24, "width": 192, "height": 128,
        "assets": {"pan": "pan.mp4"},
        "shots": {"smooth": {"source": "pan", "steps": [{"op": "interpolate", "factor": 2}]}},
        "edit": {"clips": [{"shot": "smooth"}]},
        "deliverables": {"web": {"path": "out/film.mp4", "video": {"crf": 20, "preset": "veryfast"}}},
    }
    (tmp_path / "project.yaml").write_text(yaml.safe_dump(project))
    result = shotgraph("run", "project.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    out = open_video(tmp_path / "out" / "film.mp4")
    assert out.video.fps == 24 and out.n_frames == 24


def test_ntsc_film_doubled_reads_back_at_47_952(tmp_path):
    """23.976 x 2 = 48000/1001: the file must not be read back as 48 fps (drifting from its audio)."""
    source = write_pan(tmp_path / "in.mp4", n=6, fps=Fraction(24000, 1001))
    assert shotgraph("interpolate", source, "-o", tmp_path / "out.mp4", "--factor", "2").returncode == 0
    assert open_video(tmp_path / "out.mp4").video.fps == Fraction(48000, 1001)

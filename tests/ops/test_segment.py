"""The segment op: through the Python API, the CLI (mask + matte + ProRes 4444 cut-out in one run)
and a project file whose masked step reads the segment step's mask."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from segmentation_shots import SyntheticShot

from shotgraph.errors import ParamError
from shotgraph.masks import mask_of
from shotgraph.masks.metrics import j_and_f
from shotgraph.media import open_video, write_clip
from shotgraph.media.probe import probe
from shotgraph.ops.segment import SegmentParams, segment

SHOT = SyntheticShot(n_frames=16)


def box_text(index=0):
    return ",".join(str(v) for v in SHOT.box(index))


def test_mask_matte_and_cutout_agree_with_the_truth(tmp_path):
    clip = SHOT.clip()
    mask = list(segment(clip, box=[box_text()], work_dir=tmp_path).frames())
    last = SHOT.n_frames - 1
    assert j_and_f(mask_of(mask[last]), SHOT.truth(last))[0] > 0.9
    assert set(np.unique(mask[0])) <= {0, 255}
    matte = segment(clip, output="matte", box=[box_text()], work_dir=tmp_path).frame_at(0)
    assert len(np.unique(matte)) > 2  # soft edge values
    cut = segment(clip, output="cutout", box=[box_text()], work_dir=tmp_path)
    assert cut.video.alpha and cut.frame_at(0).shape == (SHOT.height, SHOT.width, 4)
    frame = cut.frame_at(0)
    assert np.array_equal(frame[..., :3], SHOT.frame(0))
    assert j_and_f(frame[..., 3] >= 128, SHOT.truth(0))[0] > 0.95


def test_prompts_on_several_frames_and_both_spellings_merge():
    params = SegmentParams(box=["1,2,30,40", "5,6,50,60@9"], point=["10,12:0", "20,22@9"],
                           prompts=[{"frame": 4, "points": [{"x": 3, "y": 4}]}])
    prompts = params.all_prompts()
    assert [p.frame for p in prompts] == [0, 4, 9]
    assert prompts[0].box == (1, 2, 30, 40) and prompts[0].negative[0].x == 10
    assert prompts[2].box == (5, 6, 50, 60) and prompts[2].positive[0].y == 22


@pytest.mark.parametrize("params,message", [
    ({}, "needs a prompt"),
    ({"box": ["10,10,5,20"]}, "is empty"),
    ({"box": ["10,10,20"]}, "is not x0,y0,x1,y1"),
    ({"point": ["1,2:7"]}, "is not x,y"),
    ({"backend": "selfie", "box": ["1,2,3,4"]}, "finds people by itself"),
])
def test_bad_prompts_are_one_clear_error(params, message):
    with pytest.raises(ParamError, match=message):
        segment(SHOT.clip(), **params)


def test_prompt_outside_the_shot_names_the_frame():
    with pytest.raises(ParamError, match="frame 99, but the shot has 16 frames"):
        segment(SHOT.clip(), box=["1,2,30,40@99"])
    with pytest.raises(ParamError, match=r"point \(500, 4\) on frame 0 lies outside the 320x240 frame"):
        segment(SHOT.clip(), point=["500,4"])


def test_chroma_backend_keys_every_frame_without_a_prompt(tmp_path):
    rng = np.random.default_rng(0)
    backdrop = np.clip(np.array([30, 190, 60]) + rng.normal(0, 5, (96, 128, 3)), 0, 255).astype(np.uint8)
    shot = SyntheticShot(width=128, height=96, n_frames=4, occluder=False)

    def frame(i):
        out = backdrop.copy()
        inside = shot.object_mask(i) > 0
        out[inside] = shot.object_texture[inside]
        return out

    from shotgraph.clip import FunctionClip, VideoInfo

    clip = FunctionClip(VideoInfo(128, 96, SHOT.clip().video.fps, 4), frame)
    cut = segment(clip, backend="chroma", output="cutout")
    for i in range(4):
        assert j_and_f(cut.frame_at(i)[..., 3] >= 128, shot.object_mask(i))[0] > 0.97


def test_cli_writes_mask_matte_and_prores_4444_cutout_in_one_run(tmp_path):
    from cli_runner import shotgraph

    source = tmp_path / "shot.mkv"
    write_clip(SHOT.clip(), source, __import__("shotgraph.media", fromlist=["VideoEncoding"]).VideoEncoding(codec="ffv1"))
    result = shotgraph("segment", source, "-o", tmp_path / "mask.mkv", "--box", box_text(),
                       "--matte", tmp_path / "matte.mkv", "--cutout", tmp_path / "cut.mov", "--vcodec", "ffv1")
    assert result.returncode == 0, result.stderr
    cut_info = probe(tmp_path / "cut.mov")["video"]
    assert cut_info["codec"] == "prores" and cut_info["profile"] == "4444" and "yuva" in cut_info["pix_fmt"]
    cut = open_video(tmp_path / "cut.mov")
    assert cut.video.alpha and cut.n_frames == SHOT.n_frames
    last = SHOT.n_frames - 1
    assert j_and_f(cut.frame_at(last)[..., 3] >= 128, SHOT.truth(last))[0] > 0.9
    mask = open_video(tmp_path / "mask.mkv")
    assert j_and_f(mask_of(mask.frame_at(last)) >= 128, SHOT.truth(last))[0] > 0.9
    assert open_video(tmp_path / "matte.mkv").n_frames == SHOT.n_frames
    bad = shotgraph("segment", source, "-o", tmp_path / "m.mkv", "--box", box_text(), "--cutout", tmp_path / "cut.mp4")
    assert bad.returncode != 0 and "needs alpha" in bad.stderr and "Traceback" not in bad.stderr


def test_project_file_segments_a_shot_and_blurs_only_its_background(tmp_path):
    from shotgraph.graph.workspace import Workspace

    write_clip(SHOT.clip(), tmp_path / "shot.mkv", __import__("shotgraph.media", fromlist=["VideoEncoding"]).VideoEncoding(codec="ffv1"))
    document = {
        "shotgraph": 1, "fps": 24, "width": SHOT.width, "height": SHOT.height,
        "assets": {"plate": "shot.mkv"},
        "shots": {
            "hero_mask": {"source": "plate", "steps": [{"op": "segment", "prompts": [{"frame": 0, "box": list(SHOT.box(0))}]}]},
            "final": {"source": "plate", "steps": [{"op": "masked", "mask": "hero_mask", "where": "outside",
                                                     "apply": {"op": "blur", "radius": 6}}]},
        },
        "deliverables": {"out": {"path": "out/final.mkv", "source": "final", "video": {"codec": "ffv1"}}},
    }
    project = tmp_path / "project.yaml"
    project.write_text(yaml.safe_dump(document, sort_keys=False))
    workspace = Workspace.open(project, tmp_path / "cache")
    workspace.run(None, 1, False, None)
    out = open_video(tmp_path / "out" / "final.mkv")
    last = SHOT.n_frames - 1
    frame, original, truth = out.frame_at(last).astype(int), SHOT.frame(last).astype(int), SHOT.truth(last)
    from shotgraph.masks import grow

    inside = grow(truth, -4) > 0
    outside = grow(truth, 4) == 0
    assert np.abs(frame[inside] - original[inside]).mean() < 1.5  # the object is untouched
    assert np.abs(frame[outside] - original[outside]).mean() > 4  # the background is blurred

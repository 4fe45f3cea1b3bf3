"""Smart render: untouched stretches are stream-copied bit for bit; everything else re-encoded."""

from __future__ import annotations

import av
import numpy as np
import yaml
from synthetic import indexed_clip, read_index

from shotgraph.finish.smart_render import plan_smart_render
from shotgraph.media import open_video, write_clip
from shotgraph.media.encode import VideoEncoding
from shotgraph.finish.delivery import deliver_to_file, delivery_params, prepare, resolve_delivery
from shotgraph.graph.editfile import load_edit_file
from shotgraph.finish.edit import edit

ENCODING = {"codec": "h264", "crf": 18, "gop": 24, "preset": "veryfast"}


def packets(path):
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


def render(tmp_path, document, deliver=ENCODING, smart=True):
    (tmp_path / "edit.yaml").write_text(yaml.safe_dump(document))
    params, _, resolve_clip, resolve_file = load_edit_file(tmp_path / "edit.yaml")
    clips = [resolve_clip(str(s.shot)) if s.shot is not None else None for s in params.clips]
    cut = edit(clips, params, [], resolve_clip, resolve_file)
    deliver_params = delivery_params(tmp_path / "out.mp4", None, {"video": deliver})
    plan = plan_smart_render(cut, resolve_delivery(deliver_params)) if smart else None
    logs = []
    deliver_to_file(prepare(cut, deliver_params), tmp_path / "out.mp4", "strict", smart=plan, log=logs.append)
    return plan, logs


def test_untouched_keyframe_aligned_clip_is_copied_bit_for_bit(tmp_path):
    write_clip(indexed_clip(72, width=320, height=240), tmp_path / "src.mp4", VideoEncoding(**ENCODING))
    plan, logs = render(tmp_path, {"clips": [{"shot": "src.mp4", "in": "24f"},
                                             {"title": {"text": "END", "duration": 0.5}}]})
    assert plan is not None and plan.copied_frames == 48 and "48 of 60 frames stream-copied" in logs[0]
    source, output = packets(tmp_path / "src.mp4"), packets(tmp_path / "out.mp4")
    assert output[:48] == source[24:72]  # the copied GOPs, byte for byte
    clip = open_video(tmp_path / "out.mp4")
    assert clip.n_frames == 60
    frames = list(clip.frames())
    assert [read_index(f) for f in frames[:48]] == list(range(24, 72))
    assert frames[50].mean() < 40  # the title card (re-encoded)
    audio = np.concatenate(list(clip.audio_samples()), axis=1)
    assert audio.shape[1] == clip.n_samples and np.abs(audio[:, :48000]).max() > 0.2


def test_cut_between_keyframes_copies_the_whole_gops_inside_and_encodes_the_rest(tmp_path):
    write_clip(indexed_clip(96, width=320, height=240), tmp_path / "src.mp4", VideoEncoding(**ENCODING))
    plan, _ = render(tmp_path, {"clips": [{"shot": "src.mp4", "in": "10f", "out": "80f"}]})
    kinds = [(s.start, s.stop, s.source is not None) for s in plan.segments]
    assert kinds == [(0, 14, False), (14, 62, True), (62, 70, False)]
    frames = list(open_video(tmp_path / "out.mp4").frames())
    assert [read_index(f) for f in frames] == list(range(10, 80))


def test_other_codec_parameters_mean_re_encoding_and_transitions_are_never_copied(tmp_path):
    write_clip(indexed_clip(48, width=320, height=240), tmp_path / "src.mp4",
               VideoEncoding(codec="h264", crf=18, gop=24, preset="ultrafast"))
    plan, _ = render(tmp_path, {"clips": [{"shot": "src.mp4"}]})
    assert plan is None  # ultrafast: other SPS/PPS (no B-frames, CAVLC)
    write_clip(indexed_clip(48, width=320, height=240), tmp_path / "src.mp4", VideoEncoding(**ENCODING))
    plan, _ = render(tmp_path, {"clips": [{"shot": "src.mp4"}, {"shot": "src.mp4",
                                                                 "transition": {"kind": "crossfade", "duration": 0.5}}]})
    # the crossfade blends frames 36-47 of the first clip and 0-11 of the second: only the GOPs
    # clear of it ([0, 24) of the first, [24, 48) of the second) are copied
    assert [(s.start, s.stop, s.source is not None) for s in plan.segments] == [
        (0, 24, True), (24, 60, False), (60, 84, True)]
    frames = list(open_video(tmp_path / "out.mp4").frames())
    assert len(frames) == 96 - 12
    assert [read_index(f) for f in frames[:24] + frames[60:]] == list(range(24)) + list(range(24, 48))


def test_a_project_whose_edit_renders_in_the_deliverable_copies_untouched_footage(tmp_path):
    """In a project the edit is cached (a lossless intermediate) unless it says cache: false; then
    each deliverable renders it on the fly and stream-copies the footage's untouched GOPs."""
    from shotgraph.graph.workspace import Workspace

    write_clip(indexed_clip(72, width=320, height=240), tmp_path / "src.mp4", VideoEncoding(**ENCODING))
    document = {
        "shotgraph": 1, "fps": 24, "width": 320, "height": 240,
        "assets": {"footage": "src.mp4"},
        "shots": {"take": {"source": "footage"}},
        "edit": {"cache": False, "clips": [{"shot": "take", "in": "24f"}, {"title": {"text": "END", "duration": 0.5}}]},
        "deliverables": {"web": {"path": "out.mp4", "video": ENCODING}},
    }
    outputs = {}
    for cached in (False, True):
        document["edit"]["cache"] = cached
        (tmp_path / "project.yaml").write_text(yaml.safe_dump(document))
        Workspace.open(tmp_path / "project.yaml").run(jobs=1)
        outputs[cached] = packets(tmp_path / "out.mp4")
        frames = list(open_video(tmp_path / "out.mp4").frames())
        assert len(frames) == 60 and [read_index(f) for f in frames[:48]] == list(range(24, 72))
    source = packets(tmp_path / "src.mp4")
    assert outputs[False][:48] == source[24:72]  # copied, byte for byte
    assert outputs[True][:48] != source[24:72]  # read back from the cache: encoded again

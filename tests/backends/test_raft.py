"""RAFT: the published checkpoint layout loads strictly; flow runs end to end (random weights)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from motion_sequences import motion_clip, texture, transformed  # noqa: E402

from shotgraph.backends.raft import RaftFlow, load_raft  # noqa: E402
from shotgraph.backends.raft.model import RAFT, CorrelationPyramid  # noqa: E402
from shotgraph.errors import MissingWeightsError, ParamError  # noqa: E402
from shotgraph.backends.flow import make_flow_estimator  # noqa: E402

# Shapes of tensors in the authors' raft-things.pth (and raft-small.pth), by key.
RAFT_SHAPES = {
    "fnet.conv1.weight": (64, 3, 7, 7),
    "fnet.layer2.0.downsample.0.weight": (96, 64, 1, 1),
    "fnet.conv2.weight": (256, 128, 1, 1),
    "cnet.norm1.running_var": (64,),
    "cnet.layer3.0.norm3.weight": (128,),
    "cnet.layer3.0.downsample.1.running_mean": (128,),
    "update_block.encoder.convc1.weight": (256, 324, 1, 1),
    "update_block.encoder.conv.weight": (126, 256, 3, 3),
    "update_block.gru.convz1.weight": (128, 384, 1, 5),
    "update_block.gru.convq2.weight": (128, 384, 5, 1),
    "update_block.flow_head.conv2.weight": (2, 256, 3, 3),
    "update_block.mask.2.weight": (576, 256, 1, 1),
}
SMALL_SHAPES = {
    "fnet.layer1.0.conv3.weight": (32, 8, 1, 1),
    "cnet.conv2.weight": (160, 96, 1, 1),
    "update_block.encoder.convc1.weight": (96, 196, 1, 1),
    "update_block.gru.convz.weight": (96, 242, 3, 3),
    "update_block.flow_head.conv1.weight": (128, 96, 3, 3),
}


def random_checkpoint(path, small=False, prefix="module."):
    """A checkpoint file like the published ones (DataParallel prefix), with random weights."""
    torch.manual_seed(0)
    model = RAFT(small=small)
    state = {}
    for key, value in model.state_dict().items():
        if value.dtype.is_floating_point:
            value = torch.randn_like(value) * 0.05 if "running_var" not in key else torch.rand_like(value) + 0.5
        state[prefix + key] = value
    torch.save(state, path)
    return path


@pytest.mark.parametrize("small,shapes,count", [(False, RAFT_SHAPES, 5257536), (True, SMALL_SHAPES, 990162)])
def test_architecture_matches_the_published_checkpoints(small, shapes, count):
    state = RAFT(small=small).state_dict()
    for key, shape in shapes.items():
        assert tuple(state[key].shape) == shape, key
    assert sum(p.numel() for p in RAFT(small=small).parameters()) == count  # 5.3M / 1.0M in the paper


@pytest.mark.parametrize("small", [False, True])
def test_checkpoint_loads_strictly_and_runs(tmp_path, small):
    path = random_checkpoint(tmp_path / "raft.pth", small=small)
    model = load_raft(path)
    assert model.small == small
    saved = torch.load(path, weights_only=True)
    assert torch.equal(model.state_dict()["fnet.conv1.weight"], saved["module.fnet.conv1.weight"])
    a = texture(96, 64, seed=1)
    b = texture(96, 64, seed=2)
    flow = RaftFlow(model=model, preset="ultrafast", scale=1.0)(a, b)
    assert flow.shape == (64, 96, 2) and np.isfinite(flow).all()
    # deterministic
    assert np.array_equal(flow, RaftFlow(model=model, preset="ultrafast", scale=1.0)(a, b))


def test_frames_not_multiple_of_8_are_padded_and_cropped(tmp_path):
    model = load_raft(random_checkpoint(tmp_path / "raft.pth"))
    a = texture(101, 67, seed=3)
    flow = RaftFlow(model=model, preset="ultrafast", scale=1.0)(a, a)
    assert flow.shape == (67, 101, 2)


def test_correlation_window_order_matches_the_trained_layout():
    """The lookup's channel (i, j) is the offset x = i - r, y = j - r: a feature map shifted by
    (+2, +1) must correlate best at that channel."""
    torch.manual_seed(1)
    fmap1 = torch.randn(1, 16, 12, 12)
    fmap2 = torch.roll(fmap1, shifts=(1, 2), dims=(2, 3))  # content moves down 1, right 2
    pyramid = CorrelationPyramid(fmap1, fmap2, levels=1, radius=3)
    ys, xs = torch.meshgrid(torch.arange(12.0), torch.arange(12.0), indexing="ij")
    corr = pyramid(torch.stack([xs, ys])[None])
    best = corr[0, :, 4:8, 4:8].mean(dim=(1, 2)).argmax().item()
    i, j = divmod(best, 7)
    assert (i - 3, j - 3) == (2, 1)


def test_wrong_file_and_missing_weights_are_clear_errors(tmp_path, monkeypatch):
    wrong = tmp_path / "other.pth"
    torch.save({"conv.weight": torch.zeros(3, 3)}, wrong)
    with pytest.raises(ParamError, match="other.pth: not a RAFT checkpoint"):
        load_raft(wrong)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"nope")
    with pytest.raises(ParamError, match="garbage.pth: cannot read it"):
        load_raft(garbage)
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path / "models"))
    with pytest.raises(MissingWeightsError, match="raft-things.pth .*princeton-vl/RAFT"):
        make_flow_estimator("raft")


def test_raft_from_the_models_folder_drives_flow_and_interpolation(tmp_path, monkeypatch):
    (tmp_path / "raft").mkdir()
    random_checkpoint(tmp_path / "raft" / "raft-things.pth", small=True)
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path))
    tex = texture(160, 120, seed=4)
    a, b = transformed(tex, 64, 48), transformed(tex, 64, 48, dx=2)
    flow = make_flow_estimator("raft", preset="ultrafast")(a, b)
    assert flow.shape == (48, 64, 2)
    from shotgraph.ops.interpolate import interpolate

    clip = motion_clip("pan", 3, width=64, height=48)
    out = interpolate(clip, factor=2, backend="raft", preset="ultrafast", scene_threshold=0)
    frames = list(out.frames())
    assert len(frames) == 6 and frames[1].shape == (48, 64, 3)
    assert np.array_equal(frames[2], clip.frame_at(1))

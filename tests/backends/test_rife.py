"""RIFE 4.x IFNet: checkpoints of the published layouts load strictly; interpolation runs end to
end with random weights of the same shapes."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from motion_sequences import motion_clip  # noqa: E402

from shotgraph.backends.rife import RifeSynthesizer, load_rife  # noqa: E402
from shotgraph.backends.rife.model import IFNet, backward_warp, config_from_state  # noqa: E402
from shotgraph.errors import MissingWeightsError, ParamError  # noqa: E402
from shotgraph.ops.interpolate import interpolate  # noqa: E402


def block_shapes(prefix: str, in_planes: int, c: int, outputs: int) -> dict:
    """Tensor shapes of one IFBlock as the RIFE releases save them."""
    shapes = {
        f"{prefix}.conv0.0.0.weight": (c // 2, in_planes, 3, 3), f"{prefix}.conv0.0.0.bias": (c // 2,),
        f"{prefix}.conv0.1.0.weight": (c, c // 2, 3, 3), f"{prefix}.conv0.1.0.bias": (c,),
        f"{prefix}.lastconv.0.weight": (c, 4 * outputs, 4, 4), f"{prefix}.lastconv.0.bias": (4 * outputs,),
    }
    for i in range(8):
        shapes[f"{prefix}.convblock.{i}.conv.weight"] = (c, c, 3, 3)
        shapes[f"{prefix}.convblock.{i}.conv.bias"] = (c,)
        shapes[f"{prefix}.convblock.{i}.beta"] = (1, c, 1, 1)
    return shapes


def rife_4_6_shapes() -> dict:
    """flownet.pkl of Practical-RIFE 4.6: four blocks, no feature encoder."""
    shapes = {}
    for index, (in_planes, c) in enumerate([(7, 192), (12, 128), (12, 96), (12, 64)]):
        shapes.update(block_shapes(f"block{index}", in_planes, c, 6))
    return shapes


def rife_4_25_shapes() -> dict:
    """flownet.pkl of RIFE 4.25: a 16-channel encoder head giving 4 feature channels, five
    blocks passing 8 feature channels on."""
    shapes = {"encode.cnn0.weight": (16, 3, 3, 3), "encode.cnn0.bias": (16,),
              "encode.cnn1.weight": (16, 16, 3, 3), "encode.cnn1.bias": (16,),
              "encode.cnn2.weight": (16, 16, 3, 3), "encode.cnn2.bias": (16,),
              "encode.cnn3.weight": (16, 4, 4, 4), "encode.cnn3.bias": (4,)}
    for index, (in_planes, c) in enumerate([(15, 192), (28, 128), (28, 96), (28, 64), (28, 32)]):
        shapes.update(block_shapes(f"block{index}", in_planes, c, 13))
    return shapes


def write_checkpoint(path, shapes: dict, prefix: str = "", extra: dict | None = None, half: bool = False):
    generator = torch.Generator().manual_seed(0)
    state = {}
    for key, shape in shapes.items():
        value = torch.ones(shape) if key.endswith("beta") else torch.randn(shape, generator=generator) * 0.05
        state[prefix + key] = value.half() if half else value
    state.update(extra or {})
    torch.save(state, path)
    return path


@pytest.mark.parametrize("shapes,blocks,head", [(rife_4_6_shapes, 4, 0), (rife_4_25_shapes, 5, 16)])
def test_published_layouts_load_strictly(tmp_path, shapes, blocks, head):
    path = write_checkpoint(tmp_path / "flownet.pkl", shapes(), prefix="module.")
    model = load_rife(path)
    assert len(model.config.block_channels) == blocks and model.config.head_hidden == head
    assert set(model.state_dict()) == set(shapes())
    saved = torch.load(path, weights_only=True)
    assert torch.equal(model.block0.conv0[0][0].weight, saved["module.block0.conv0.0.0.weight"])


def test_half_precision_checkpoints_and_training_only_keys_load(tmp_path):
    path = write_checkpoint(tmp_path / "flownet.pkl", rife_4_6_shapes(), half=True,
                            extra={"teacher.conv0.0.0.weight": torch.zeros(4)})
    model = load_rife(path)
    assert model.block0.conv0[0][0].weight.dtype == torch.float32


def test_interpolation_with_random_weights_runs_at_any_t(tmp_path):
    path = write_checkpoint(tmp_path / "flownet.pkl", rife_4_25_shapes())
    clip = motion_clip("sprites", 4, step=2.0, width=100, height=70, fps=Fraction(12))
    out = interpolate(clip, fps=30, backend="rife", weights=path, scene_threshold=0)
    assert out.n_frames == 10 and out.video.fps == 30
    frames = list(out.frames())
    assert all(f.shape == (70, 100, 3) and f.dtype == np.uint8 for f in frames)
    assert np.array_equal(frames[0], clip.frame_at(0)) and np.array_equal(frames[5], clip.frame_at(2))
    # the timestep reaches the network: different t, different frames
    synthesizer = RifeSynthesizer(weights=path)
    state = synthesizer.prepare(clip.frame_at(0), clip.frame_at(1))
    assert not np.array_equal(synthesizer.frame(state, 0.25), synthesizer.frame(state, 0.75))
    assert np.array_equal(synthesizer.frame(state, 0.25), synthesizer.frame(state, 0.25))


def test_backward_warp_follows_the_flow():
    image = torch.arange(5 * 7, dtype=torch.float32).view(1, 1, 5, 7)
    flow = torch.zeros(1, 2, 5, 7)
    assert torch.allclose(backward_warp(image, flow), image)
    flow[:, 0] = 1.0  # sample one pixel to the right
    assert torch.allclose(backward_warp(image, flow)[..., :-1], image[..., 1:])


def test_config_is_read_from_shapes_and_unknown_layouts_are_refused(tmp_path):
    config = config_from_state({k: torch.zeros(s) for k, s in rife_4_6_shapes().items()})
    assert config.block_channels == (192, 128, 96, 64) and config.block_inputs(False) == 12
    assert IFNet(config).state_dict().keys() == rife_4_6_shapes().keys()
    sequential = write_checkpoint(tmp_path / "v47.pkl", {**rife_4_6_shapes(), "encode.0.weight": (16, 3, 3, 3)})
    with pytest.raises(ParamError, match="v47.pkl: not a RIFE 4.x checkpoint: .*4.7-4.12"):
        load_rife(sequential)
    early = write_checkpoint(tmp_path / "v40.pkl", {"block0.conv0.0.0.weight": (96, 7, 3, 3),
                                                     "block0.lastconv.weight": (192, 5, 4, 4)})
    with pytest.raises(ParamError, match="v40.pkl: .*4.0-4.5"):
        load_rife(early)
    other = write_checkpoint(tmp_path / "raft.pth", {"fnet.conv1.weight": (64, 3, 7, 7)})
    with pytest.raises(ParamError, match="raft.pth: not a RIFE 4.x checkpoint"):
        load_rife(other)
    broken = write_checkpoint(tmp_path / "broken.pkl", {**rife_4_6_shapes(), "block9.extra": (2,)})
    with pytest.raises(ParamError, match="unexpected"):
        load_rife(broken)


def test_missing_weights_say_what_to_download(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path))
    with pytest.raises(MissingWeightsError, match="flownet.pkl .*Practical-RIFE.*rife"):
        interpolate(motion_clip("pan", 3), factor=2, backend="rife")
    with pytest.raises(MissingWeightsError, match="not found at"):
        interpolate(motion_clip("pan", 3), factor=2, backend="rife", weights=tmp_path / "nope.pkl")

"""spandrel backend: any upscaler spandrel recognises, from a .pth / .safetensors the test builds with
random weights (nothing is downloaded), run through the upscale op, its tiles and its errors."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from shotgraph.backends.spandrel_models import import_spandrel  # noqa: E402

spandrel = import_spandrel()
from safetensors.torch import save_file  # noqa: E402
from spandrel.architectures.Compact import Compact  # noqa: E402
from spandrel.architectures.ESRGAN import ESRGAN  # noqa: E402
from spandrel.architectures.SwinIR import SwinIR  # noqa: E402

from shotgraph.clip import FunctionClip, VideoInfo  # noqa: E402
from shotgraph.errors import ParamError  # noqa: E402
from shotgraph.ops.upscale import upscale  # noqa: E402


def tiny_models():
    torch.manual_seed(0)
    return {
        "ESRGAN": ESRGAN(num_filters=16, num_blocks=1, scale=2),
        "Compact": Compact(num_feat=16, num_conv=4, upscale=4),
        "SwinIR": SwinIR(img_size=32, embed_dim=24, depths=[2], num_heads=[2], window_size=8, upscale=2,
                         upsampler="pixelshuffle", resi_connection="1conv"),
    }


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights")
    files = {}
    for name, model in tiny_models().items():
        state = model.state_dict()
        torch.save(state, folder / f"{name}.pth")
        save_file({k: v.contiguous() for k, v in state.items()}, folder / f"{name}.safetensors")
        files[name] = (folder / f"{name}.pth", folder / f"{name}.safetensors", model.eval())
    return files


def image_clip(rng, height=36, width=44, n_frames=1):
    frame = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    return FunctionClip(VideoInfo(width, height, Fraction(24), n_frames), lambda _i: frame), frame


def reference(model, frame: np.ndarray) -> np.ndarray:
    """The architecture run directly in torch, outside shotgraph and spandrel."""
    with torch.inference_mode():
        out = model(torch.from_numpy(frame.transpose(2, 0, 1).copy()).float()[None] / 255)
    return np.clip(out[0].permute(1, 2, 0).numpy() * 255 + 0.5, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("name,scale", [("ESRGAN", 2), ("Compact", 4), ("SwinIR", 2)])
@pytest.mark.parametrize("suffix", [0, 1], ids=["pth", "safetensors"])
def test_a_recognised_model_gives_what_its_architecture_computes(weights, rng, name, scale, suffix):
    path = weights[name][suffix]
    clip, frame = image_clip(rng)
    out = next(upscale(clip, scale, model="spandrel", weights=path, tile=0).frames())
    assert out.shape == (36 * scale, 44 * scale, 3)
    expected = reference(weights[name][2], frame)
    assert np.abs(out.astype(int) - expected).max() <= 1


def test_spandrel_tiles_blend_into_the_untiled_result(weights, rng):
    clip, _ = image_clip(rng, 64, 80)
    path = weights["Compact"][0]  # 6 convs: a receptive field under the 8 px a 16 px overlap keeps
    whole = next(upscale(clip, 4, model="spandrel", weights=path, tile=0).frames())
    tiled = next(upscale(clip, 4, model="spandrel", weights=path, tile=24, tile_overlap=16).frames())
    assert np.abs(whole.astype(int) - tiled).max() <= 1


def test_a_native_scale_other_than_asked_is_resampled(weights, rng):
    clip, _ = image_clip(rng)
    out = next(upscale(clip, 2, model="spandrel", weights=weights["Compact"][0]).frames())  # a x4 model
    assert out.shape == (72, 88, 3)


def test_files_spandrel_cannot_use_are_one_clear_error(tmp_path, rng):
    clip, _ = image_clip(rng)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a model")
    with pytest.raises(ParamError, match="cannot read model weights"):
        upscale(clip, 2, model="spandrel", weights=junk)
    unknown = tmp_path / "unknown.pth"
    torch.save({"mystery.weight": torch.zeros(3, 3)}, unknown)
    with pytest.raises(ParamError, match="does not recognise"):
        upscale(clip, 2, model="spandrel", weights=unknown)
    text = tmp_path / "model.txt"
    text.write_text("x")
    with pytest.raises(ParamError, match="must be"):
        upscale(clip, 2, model="spandrel", weights=text)


def test_torchvision_imports_even_when_built_for_another_torch():
    from shotgraph.backends.torch_compat import import_torchvision

    torchvision = import_torchvision()
    normalised = torchvision.transforms.functional.normalize(torch.ones(3, 2, 2), [0.5] * 3, [0.5] * 3)
    assert torch.allclose(normalised, torch.ones(3, 2, 2))


def test_face_architectures_are_recognised_including_codeformer():
    ids = {support.architecture.id for support in spandrel.MAIN_REGISTRY.architectures()}
    assert {"GFPGAN", "RestoreFormer", "CodeFormer", "ESRGAN", "SwinIR", "HAT"} <= ids

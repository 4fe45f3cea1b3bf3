"""restore-faces: found faces only, pasted back with a feathered mask; weights from the user (here a
tiny random RestoreFormer the test saves), missing weights named with where to put them."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from shotgraph.backends.face_detect import detect_faces
from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.errors import MissingWeightsError, ParamError
from shotgraph.ops.restore_faces import face_square, feather_mask, restore_faces

data = pytest.importorskip("skimage.data")  # real photos come with scikit-image (the test extra)

torch = pytest.importorskip("torch")

FACE_SIZE = 128  # the tiny model runs at 128 to keep the test fast; real weights use 512


@pytest.fixture(scope="module")
def face_weights(tmp_path_factory):
    from shotgraph.backends.spandrel_models import import_spandrel

    import_spandrel()
    from spandrel.architectures.RestoreFormer import RestoreFormer

    torch.manual_seed(0)
    model = RestoreFormer(n_embed=32, embed_dim=32, ch=32, out_ch=3, ch_mult=(1, 1, 1, 1, 1, 1), num_res_blocks=1,
                          attn_resolutions=(16,), dropout=0.0, in_channels=3, resolution=512, z_channels=32,
                          double_z=False, enable_mid=True, head_size=2)
    path = tmp_path_factory.mktemp("faces") / "RestoreFormer.pth"
    torch.save(model.state_dict(), path)
    return path


def clip_of(image: np.ndarray, n_frames: int = 1):
    return FunctionClip(VideoInfo(image.shape[1], image.shape[0], Fraction(24), n_frames, image.shape[2] == 4),
                        lambda _i: image)


def test_haar_finds_the_astronauts_face_and_nothing_on_a_landscape():
    faces = detect_faces(data.astronaut())
    assert len(faces) == 1
    face = faces[0]
    assert 150 < face.x + face.width / 2 < 300 and 60 < face.y + face.height / 2 < 180  # Eileen Collins' face
    assert detect_faces(data.coffee()) == [] and detect_faces(data.rocket()) == []


def test_only_the_detected_face_changes_and_the_seam_is_feathered(face_weights):
    image = data.astronaut()
    out = next(restore_faces(clip_of(image), face_weights, face_size=FACE_SIZE).frames())
    x, y, side = face_square(detect_faces(image)[0], 1.8)
    outside = np.ones(image.shape[:2], bool)
    outside[max(y, 0) : y + side, max(x, 0) : x + side] = False
    assert np.array_equal(out[outside], image[outside])  # bit-for-bit outside the face square
    changed = np.abs(out.astype(int) - image).sum(axis=2) > 0
    centre = changed[y + side // 3 : y + 2 * side // 3, x + side // 3 : x + 2 * side // 3]
    assert centre.mean() > 0.9  # the random model rewrote the face
    # Feathering: just inside the square's border the change is a fraction of the change in the middle.
    delta = np.abs(out.astype(float) - image).mean(axis=2)
    border = delta[y + 1 : y + side - 1, x + 1].mean()
    assert border < 0.2 * delta[y + side // 3 : y + 2 * side // 3, x + side // 3 : x + 2 * side // 3].mean()


def test_strength_zero_and_faceless_frames_are_untouched(face_weights):
    image = data.astronaut()
    assert np.array_equal(next(restore_faces(clip_of(image), face_weights, strength=0, face_size=FACE_SIZE).frames()),
                          image)
    coffee = data.coffee()
    assert np.array_equal(next(restore_faces(clip_of(coffee), face_weights, face_size=FACE_SIZE).frames()), coffee)


def test_alpha_is_kept(face_weights):
    image = np.dstack([data.astronaut(), np.full((512, 512), 77, np.uint8)])
    out = next(restore_faces(clip_of(image), face_weights, face_size=FACE_SIZE).frames())
    assert out.shape == (512, 512, 4) and (out[:, :, 3] == 77).all()


def test_feather_mask_ramps_from_edge_to_one():
    mask = feather_mask(100, 0.2)
    assert mask[50, 50] == 1 and mask[0, 50] < 0.05 and mask[10, 50] == pytest.approx(0.525, abs=0.01)
    assert np.array_equal(mask, mask.T) and np.array_equal(mask, mask[::-1])


def test_missing_weights_say_what_to_download_and_where(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path / "models"))
    with pytest.raises(MissingWeightsError, match=r"GFPGANv1\.4\.pth.*github.com/TencentARC/GFPGAN.*gfpgan"):
        restore_faces(clip_of(data.astronaut()))


def test_an_upscaler_is_not_accepted_as_a_face_model(tmp_path):
    from spandrel.architectures.Compact import Compact

    path = tmp_path / "compact.pth"
    torch.save(Compact(num_feat=8, num_conv=2, upscale=2).state_dict(), path)
    with pytest.raises(ParamError, match="FaceSR"):
        restore_faces(clip_of(data.astronaut()), path)


def test_a_detection_inside_a_larger_face_is_not_restored_again(monkeypatch):
    """Haar sometimes fires on an ear next to a face: it must not get a face pasted onto it."""
    from shotgraph.backends import face_detect
    from shotgraph.backends.face_detect import FaceBox
    from shotgraph.ops import restore_faces as module

    image = data.astronaut()
    real = detect_faces(image)[0]
    ear = FaceBox(real.x + real.width, real.y + real.height // 4, real.width // 3, real.width // 3)
    calls = []

    def counting(face):
        calls.append(face.shape)
        return face.astype(np.float32) / 255

    monkeypatch.setattr(face_detect, "detect_faces", lambda frame, min_size: [real, ear])
    module.restore_frame(image, counting, face_size=64)
    assert len(calls) == 1

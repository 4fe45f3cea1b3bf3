"""The Wav2Lip backend: network layout, checkpoint loading, mel front end, crop and paste-back.

Weights are random (the public checkpoints cannot be downloaded here); everything around them is
real: the checkpoint file format, the key names and shapes, the audio features, the face boxes.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from talking import draw_face, face_video, speech_like, write_wav

from shotgraph.backends.wav2lip.mel import mel_columns, mel_filterbank, n_columns
from shotgraph.backends.wav2lip.model import Wav2Lip
from shotgraph.backends.wav2lip.runner import face_box, feather_mask, load_wav2lip
from shotgraph.errors import MissingWeightsError
from shotgraph.media import open_video, write_clip, write_image
from shotgraph.ops.lipsync import lipsync

# Shapes of the public wav2lip.pth / wav2lip_gan.pth tensors (without DataParallel's "module.").
CHECKPOINT_SHAPES = {
    "face_encoder_blocks.0.0.conv_block.0.weight": (16, 6, 7, 7),
    "face_encoder_blocks.2.3.conv_block.1.running_var": (64,),
    "face_encoder_blocks.6.1.conv_block.0.weight": (512, 512, 1, 1),
    "audio_encoder.0.conv_block.0.weight": (32, 1, 3, 3),
    "audio_encoder.9.conv_block.0.weight": (256, 128, 3, 3),
    "audio_encoder.12.conv_block.0.weight": (512, 512, 1, 1),
    "face_decoder_blocks.1.0.conv_block.0.weight": (1024, 512, 3, 3),  # ConvTranspose2d: (in, out, k, k)
    "face_decoder_blocks.6.2.conv_block.1.weight": (64,),
    "output_block.0.conv_block.0.weight": (32, 80, 3, 3),
    "output_block.1.weight": (3, 32, 1, 1),
}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A checkpoint saved like the public ones: {"state_dict": {"module.<key>": tensor}, ...}."""
    torch.manual_seed(0)
    model = Wav2Lip()
    for module in model.modules():  # random batch-norm statistics too, not just the defaults
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    path = tmp_path_factory.mktemp("weights") / "wav2lip_gan.pth"
    state = {f"module.{key}": value for key, value in model.state_dict().items()}
    torch.save({"state_dict": state, "global_step": 1, "global_epoch": 1}, path)
    return path, model


def test_layout_matches_the_public_checkpoint():
    state = Wav2Lip().state_dict()
    for key, shape in CHECKPOINT_SHAPES.items():
        assert tuple(state[key].shape) == shape, key
    # 50 conv+bn blocks (7 tensors each, num_batches_tracked included) and the final 1x1 conv;
    # 36.3 M weights: x4 bytes x3 (weights and Adam's two moments) is the public files' ~435 MB
    assert len(state) == 50 * 7 + 2
    assert sum(p.numel() for p in Wav2Lip().parameters()) == 36_298_035
    with torch.inference_mode():
        out = Wav2Lip().eval()(torch.zeros(2, 1, 80, 16), torch.zeros(2, 6, 96, 96))
    assert out.shape == (2, 3, 96, 96) and float(out.min()) >= 0 and float(out.max()) <= 1


@pytest.mark.slow
def test_checkpoint_loads_with_module_prefix(checkpoint, tmp_path):
    path, model = checkpoint
    loaded = load_wav2lip(path)
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    mel, faces = torch.randn(3, 1, 80, 16), torch.rand(3, 6, 96, 96)
    with torch.inference_mode():
        assert torch.equal(loaded(mel, faces), model.eval()(mel, faces))
    torch.save({"state_dict": {k: v for k, v in model.state_dict().items() if k.startswith("audio_encoder.0.")}},
               tmp_path / "syncnet.pth")
    with pytest.raises(MissingWeightsError, match="not a Wav2Lip generator checkpoint"):
        load_wav2lip(tmp_path / "syncnet.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(MissingWeightsError, match="not a readable Wav2Lip checkpoint"):
        load_wav2lip(tmp_path / "junk.pth")


def _test_signal(n: int) -> np.ndarray:
    t = np.arange(n) / 16000
    return (0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * ((t * 130) % 1 - 0.5)
            + 0.05 * np.sin(2 * np.pi * 3100 * t * (1 + t))).astype(np.float32)


def test_mel_matches_wav2lip_reference_values():
    """Values computed with Wav2Lip's audio.melspectrogram (librosa 0.11 + scipy lfilter) on the
    same signal; our NumPy front end agreed to 1.5e-7 over the whole spectrogram."""
    wav = _test_signal(16000 * 2 + 123)
    read = lambda start, stop: iter([wav[start:stop]])  # noqa: E731
    whole = mel_columns(read, len(wav), 0, n_columns(len(wav)))
    assert whole.shape == (80, 161)
    expected = np.array([[1.193, 1.0051, 1.0072, 1.1409],
                         [-0.2437, -0.1709, -0.1665, 0.503],
                         [-1.465, -1.5787, -1.9825, -0.8722],
                         [-0.8862, -0.8008, -0.8237, -0.7371],
                         [-0.436, -0.6307, -0.7907, -0.699]])
    assert np.abs(whole[[3, 12, 25, 40, 60]][:, [0, 33, 77, 160]] - expected).max() < 2e-4
    # any range of columns, from only the audio under it, equals the same part of the whole
    for first, last in ((0, 7), (37, 90), (150, 161)):
        assert np.abs(mel_columns(read, len(wav), first, last) - whole[:, first:last]).max() < 1e-5
    bank = mel_filterbank()
    assert bank.shape == (80, 401) and np.all(bank >= 0)
    assert np.all(bank[:, np.linspace(0, 8000, 401) > 7600] == 0)  # fmax
    assert np.all(bank[:, np.linspace(0, 8000, 401) < 55] == 0)  # fmin


def test_feathered_paste_only_touches_the_lower_face():
    mask = feather_mask(100, 120)
    assert mask[:50].max() == 0  # the upper face (eyes) keeps its own pixels
    assert mask[80, 50] == pytest.approx(1.0)
    assert mask[-1].max() < 0.1 and mask[:, 0].max() < 0.1 and mask[:, -1].max() < 0.1
    points = np.array([[10, 20], [110, 20], [60, 140]], np.float32)
    x0, y0, x1, y1 = face_box(points, (160, 200, 3))
    assert (x0, y0) == (6, 20) and x1 == 114 and 149 <= y1 <= 150


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wav2lip")
    speech = speech_like(0.64, 16000, seed=2, lead_in=0.1)
    write_wav(folder / "speech.wav", speech.samples, speech.rate)
    write_image(folder / "face.png", draw_face(192))
    face_video(folder / "face.mp4", 10, Fraction(25), size=192)
    return folder


@pytest.mark.slow
def test_lipsync_with_wav2lip_backend(checkpoint, media, tmp_path):
    path, _ = checkpoint
    source = open_video(media / "face.mp4")
    clip = lipsync(media / "face.mp4", media / "speech.wav", backend="wav2lip", checkpoint=path, batch_size=8)
    assert clip.n_frames == 16  # 0.64 s of audio: the 10-frame video is extended (pingpong)
    out = write_clip(clip, tmp_path / "w2l.mp4")
    again = write_clip(lipsync(media / "face.mp4", media / "speech.wav", backend="wav2lip", checkpoint=path,
                               batch_size=5), tmp_path / "w2l2.mp4")
    assert out.read_bytes() == again.read_bytes()  # batch size does not change the result
    for k in (3, 8, 13):
        frame, original = clip.frame_at(k).astype(int), source.frame_at([*range(10), *range(8, 2, -1)][k]).astype(int)
        diff = np.abs(frame - original).max(axis=2)
        assert diff[:100].max() == 0  # eyes and above untouched
        assert diff[120:170, 60:132].mean() > 10  # the mouth region is redrawn by the network
        assert diff[:, :30].max() == 0 and diff[:, -30:].max() == 0  # outside the face box untouched


def test_wav2lip_photo_and_missing_weights(checkpoint, media, tmp_path, monkeypatch):
    path, _ = checkpoint
    clip = lipsync(media / "face.png", media / "speech.wav", backend="wav2lip", checkpoint=path, fps=25)
    assert clip.n_frames == 16 and clip.video.width == 192
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path / "models"))
    with pytest.raises(MissingWeightsError, match=r"wav2lip_gan\.pth or wav2lip\.pth .*models/wav2lip"):
        lipsync(media / "face.png", media / "speech.wav", backend="wav2lip")
    (tmp_path / "models" / "wav2lip").mkdir(parents=True)
    (tmp_path / "models" / "wav2lip" / "wav2lip.pth").write_bytes(path.read_bytes())
    assert lipsync(media / "face.png", media / "speech.wav", backend="wav2lip").n_frames == 16

"""SAM 2 video propagation with the ``sam2`` package: a tiny random model of the real architecture
(the packaged sam2.1 tiny config, shrunk by overrides), saved as a checkpoint and loaded back."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sam2")

from segmentation_shots import SyntheticShot  # noqa: E402

from shotgraph.backends.sam2.video import Sam2VideoTracker  # noqa: E402
from shotgraph.errors import MissingWeightsError  # noqa: E402
from shotgraph.masks.prompts import Prompt  # noqa: E402
from shotgraph.masks.store import MaskStore  # noqa: E402
from shotgraph.ops.segment import segment  # noqa: E402

# the sam2.1 "tiny" architecture at 128 px with narrow layers: every module of the real model
TINY = [
    "++model.image_size=128",
    "++model.image_encoder.trunk.embed_dim=8",
    "++model.image_encoder.trunk.stages=[1,1,2,1]",
    "++model.image_encoder.trunk.global_att_blocks=[3]",
    "++model.image_encoder.neck.d_model=32",
    "++model.image_encoder.neck.position_encoding.num_pos_feats=32",
    "++model.image_encoder.neck.backbone_channel_list=[64,32,16,8]",
    "++model.memory_attention.d_model=32",
    "++model.memory_attention.num_layers=1",
    "++model.memory_attention.layer.d_model=32",
    "++model.memory_attention.layer.dim_feedforward=64",
    "++model.memory_attention.layer.self_attention.embedding_dim=32",
    "++model.memory_attention.layer.self_attention.feat_sizes=[8,8]",
    "++model.memory_attention.layer.cross_attention.embedding_dim=32",
    "++model.memory_attention.layer.cross_attention.feat_sizes=[8,8]",
    "++model.memory_attention.layer.cross_attention.kv_in_dim=16",
    "++model.memory_encoder.out_dim=16",
    "++model.memory_encoder.in_dim=32",
    "++model.memory_encoder.mask_downsampler.embed_dim=32",
    "++model.memory_encoder.position_encoding.num_pos_feats=16",
    "++model.memory_encoder.fuser.layer.dim=32",
]


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    from sam2.build_sam import build_sam2_video_predictor

    torch.manual_seed(0)
    model = build_sam2_video_predictor("configs/sam2.1/sam2.1_hiera_t.yaml", None, device="cpu", hydra_overrides_extra=TINY)
    path = tmp_path_factory.mktemp("sam2") / "sam2.1_hiera_tiny.pt"
    torch.save({"model": model.state_dict()}, path)
    return path


def test_missing_checkpoint_names_the_file_and_where_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path))
    with pytest.raises(MissingWeightsError, match=r"sam2\.1_hiera_small\.pt.*dl\.fbaipublicfiles\.com.*sam2/"):
        Sam2VideoTracker("small")


@pytest.mark.slow
def test_tiny_model_tracks_every_frame_both_ways_deterministically(tiny_checkpoint, tmp_path):
    shot = SyntheticShot(width=96, height=72, n_frames=6)
    runs = []
    for name in ("a", "b"):
        masks = segment(shot.clip(), backend="sam2", weights=str(tiny_checkpoint), sam2_overrides=TINY,
                        box=["10,20,60,60@2"], point=["30,40@4"], work_dir=tmp_path / name)
        runs.append([f[..., 0] for f in masks.frames()])
    assert len(runs[0]) == 6 and all(m.shape == (72, 96) for m in runs[0])
    assert all(np.array_equal(a, b) for a, b in zip(*runs))


def test_tracking_memory_stays_bounded_on_a_long_shot(tiny_checkpoint, tmp_path):
    tracker = Sam2VideoTracker("tiny", tiny_checkpoint, TINY)
    shot = SyntheticShot(width=64, height=48, n_frames=40)
    held = []
    forget = tracker._forget_old_frames

    def spy(state, current, reverse):
        forget(state, current, reverse)
        held.append(max(len(o["non_cond_frame_outputs"]) for o in state["output_dict_per_obj"].values()))

    tracker._forget_old_frames = spy
    store = MaskStore(tmp_path, 64, 48, 40)
    tracker.track(shot.clip(), [Prompt(frame=10, box=(5, 10, 40, 40))], store)
    assert store.complete()
    predictor = tracker.predictor
    window = max(predictor.num_maskmem * predictor.memory_temporal_stride_for_eval, predictor.max_obj_ptrs_in_encoder) + 1
    assert max(held) <= window + 1 < 30  # 40 frames tracked, never more than the window held

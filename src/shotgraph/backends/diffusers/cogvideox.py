"""CogVideoX (THUDM): text-to-video and image-to-video, 49 frames at 720x480."""

from shotgraph.backends.diffusers.family import VideoFamily, VideoRequest, common_kwargs


def call_kwargs(request: VideoRequest, pipe) -> dict:
    kwargs = common_kwargs(request, image=True)
    kwargs["use_dynamic_cfg"] = True  # the CogVideoX-5b recipe: guidance rises over the steps
    kwargs["max_sequence_length"] = pipe.transformer.config.max_text_seq_length  # 226 for the released models
    return kwargs


def native_size(pipe) -> tuple[int, int] | None:
    """The image-to-video transformer has learned positional embeddings for one size only."""
    config = pipe.transformer.config
    if not getattr(config, "use_learned_positional_embeddings", False):
        return None
    scale = pipe.vae_scale_factor_spatial
    return config.sample_width * scale, config.sample_height * scale


FAMILY = VideoFamily(
    name="cogvideox",
    summary="CogVideoX (text- and image-to-video)",
    models={"text": "THUDM/CogVideoX-5b", "image": "THUDM/CogVideoX-5b-I2V"},
    pipelines={"text": "CogVideoXPipeline", "image": "CogVideoXImageToVideoPipeline"},
    segment_frames=49,
    frame_step=4,
    size_multiple=16,
    default_size=(720, 480),
    steps=50,
    guidance=6.0,
    call_kwargs=call_kwargs,
    native_size=native_size,
)

"""Wan 2.1 (Wan-AI): text-to-video (1.3B) and image-to-video (14B 480p), 81 frames at 832x480."""

from shotgraph.backends.diffusers.family import VideoFamily, VideoRequest, common_kwargs


def call_kwargs(request: VideoRequest, pipe) -> dict:
    return common_kwargs(request, image=True)


def configure(pipe) -> None:
    """Wan's VAE is only accurate in float32 (its model card loads it so); latents are cast to it."""
    import torch

    if pipe.vae.dtype != torch.float32:
        pipe.vae.to(torch.float32)


FAMILY = VideoFamily(
    name="wan",
    summary="Wan 2.1 (text- and image-to-video)",
    models={"text": "Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "image": "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers"},
    pipelines={"text": "WanPipeline", "image": "WanImageToVideoPipeline"},
    segment_frames=81,
    frame_step=4,
    size_multiple=16,
    default_size=(832, 480),
    steps=50,
    guidance=5.0,
    call_kwargs=call_kwargs,
    configure=configure,
)

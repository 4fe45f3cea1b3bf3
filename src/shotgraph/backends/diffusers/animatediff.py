"""AnimateDiff: a Stable Diffusion 1.5 checkpoint plus a motion adapter; ControlNet guide videos.

The base model is any SD 1.5 pipeline folder; the motion adapter (and, for guided shots, the
ControlNet) are loaded from their own folders and joined to it. A pipeline folder saved with its
motion adapter inside (``save_pretrained`` of an AnimateDiff pipeline) needs no separate adapter.
"""

from shotgraph.backends.diffusers.family import Component, VideoFamily, VideoRequest, common_kwargs, pil


def call_kwargs(request: VideoRequest, pipe) -> dict:
    kwargs = common_kwargs(request, image=False)
    kwargs["decode_chunk_size"] = request.decode_chunk or 16
    if request.control is not None:
        kwargs["conditioning_frames"] = [pil(frame) for frame in request.control]
        kwargs["controlnet_conditioning_scale"] = request.control_scale
    return kwargs


def configure(pipe) -> None:
    """AnimateDiff's motion modules were trained with DDIM, linear betas, linspace spacing."""
    from diffusers import DDIMScheduler

    pipe.scheduler = DDIMScheduler.from_config(pipe.scheduler.config, beta_schedule="linear", clip_sample=False,
                                               timestep_spacing="linspace", steps_offset=1)


FAMILY = VideoFamily(
    name="animatediff",
    summary="AnimateDiff on Stable Diffusion 1.5 (text-to-video, ControlNet guides)",
    models={"text": "emilianJR/epiCRealism", "control": "emilianJR/epiCRealism"},
    pipelines={"text": "AnimateDiffPipeline", "control": "AnimateDiffControlNetPipeline"},
    segment_frames=16,
    frame_step=1,
    size_multiple=8,
    default_size=(512, 512),
    steps=25,
    guidance=7.5,
    call_kwargs=call_kwargs,
    gpu_dtype="float16",
    decode_chunk=True,
    components=(
        Component("motion_adapter", "MotionAdapter", "guoyww/animatediff-motion-adapter-v1-5-2", ("text", "control")),
        Component("controlnet", "ControlNetModel", "lllyasviel/control_v11f1p_sd15_depth", ("control",)),
    ),
    configure=configure,
)

"""Stable Video Diffusion: image-to-video (no text), 14 or 25 frames at 1024x576."""

from shotgraph.backends.diffusers.family import VideoFamily, VideoRequest, pil


def call_kwargs(request: VideoRequest, pipe) -> dict:
    return {
        # A PIL image: the pipeline resizes it to 224 px for its CLIP encoder itself.
        "image": pil(request.image),
        "height": request.height,
        "width": request.width,
        "num_frames": request.num_frames,
        "num_inference_steps": request.steps,
        "min_guidance_scale": 1.0,
        "max_guidance_scale": request.guidance,
        # SVD is micro-conditioned on the frame rate and on how much motion to make (bucket 1..255).
        "fps": max(1, round(request.fps)),
        "motion_bucket_id": int(request.motion if request.motion is not None else 127),
        "noise_aug_strength": 0.02,
        "decode_chunk_size": request.decode_chunk or request.num_frames,
    }


FAMILY = VideoFamily(
    name="svd",
    summary="Stable Video Diffusion (image-to-video)",
    models={"image": "stabilityai/stable-video-diffusion-img2vid-xt"},
    pipelines={"image": "StableVideoDiffusionPipeline"},
    segment_frames=25,
    frame_step=1,
    size_multiple=8,
    default_size=(1024, 576),
    steps=25,
    guidance=3.0,
    call_kwargs=call_kwargs,
    gpu_dtype="float16",
    decode_chunk=True,
    takes_text=False,
)

"""LTX-Video (Lightricks): text- and image-to-video from one set of weights, 121 frames at 704x480."""

from shotgraph.backends.diffusers.family import VideoFamily, VideoRequest, common_kwargs


def call_kwargs(request: VideoRequest, pipe) -> dict:
    kwargs = common_kwargs(request, image=True)
    kwargs["frame_rate"] = max(1, round(request.fps))  # LTX conditions its positional embedding on it
    return kwargs


FAMILY = VideoFamily(
    name="ltx",
    summary="LTX-Video (text- and image-to-video)",
    models={"text": "Lightricks/LTX-Video", "image": "Lightricks/LTX-Video"},
    pipelines={"text": "LTXPipeline", "image": "LTXImageToVideoPipeline"},
    segment_frames=121,
    frame_step=8,
    size_multiple=32,
    default_size=(704, 480),
    steps=50,
    guidance=3.0,
    call_kwargs=call_kwargs,
)

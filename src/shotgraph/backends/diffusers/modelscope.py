"""ModelScope text-to-video (damo / ali-vilab, 1.7B): 16 frames at 256x256."""

from shotgraph.backends.diffusers.family import VideoFamily, VideoRequest, common_kwargs


def call_kwargs(request: VideoRequest, pipe) -> dict:
    return common_kwargs(request)


FAMILY = VideoFamily(
    name="modelscope",
    summary="ModelScope text-to-video",
    models={"text": "ali-vilab/text-to-video-ms-1.7b"},
    pipelines={"text": "TextToVideoSDPipeline"},
    segment_frames=16,
    frame_step=1,
    size_multiple=8,
    default_size=(256, 256),
    steps=25,
    guidance=9.0,
    call_kwargs=call_kwargs,
    gpu_dtype="float16",
)

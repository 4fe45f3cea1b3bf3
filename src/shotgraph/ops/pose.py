"""Pose guide videos for controlled generation: mediapipe body landmarks drawn as OpenPose skeletons
(mediapipe's models ship in its wheel: offline, CPU; :mod:`shotgraph.backends.mediapipe.pose`)."""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from shotgraph.backends.mediapipe.pose import POSE, PoseEstimator
from shotgraph.clip import Clip, MapClip
from shotgraph.ops.registry import OpKind, op


class PoseParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_confidence: float = Field(0.5, ge=0, le=1, description="person detection threshold")


def pose(clip: Clip, min_confidence: float = 0.5) -> Clip:
    """A pose guide video of ``clip``: OpenPose skeletons on black (black where nobody is found)."""
    estimator = PoseEstimator(min_confidence)
    return MapClip(clip, lambda frame, _i: estimator.skeleton(frame), video=replace(clip.video, alpha=False))


@op("pose", version=1, params=PoseParams, kind=OpKind.FILTER, backends=(POSE,),
    summary="Pose guide video: mediapipe landmarks drawn as OpenPose skeletons.")
def _run_pose(inputs, params: PoseParams, ctx):
    return pose(inputs[0], params.min_confidence)

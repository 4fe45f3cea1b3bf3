"""The diffusers backends as ops offer them: one per video family (``generate`` / ``extend``) and
Stable Diffusion img2img (``deforum``), each with the lookup of the weights it loads. Nothing here
imports torch or diffusers."""

from __future__ import annotations



from pathlib import Path

from shotgraph.backends.base import Backend
from shotgraph.backends.weights import installed

REQUIRES = ("torch", "diffusers", "transformers", "accelerate")
EXTRA = "generate"
WEIGHTS = "a diffusers folder in $SHOTGRAPH_MODELS/diffusers/<org>/<name>, or the local Hugging Face cache"


def _family_locate(name: str):
    def locate(params) -> list[Path]:
        """Every model folder a ``generate`` / ``extend`` with ``params`` may load for this family:
        each mode's weights and its components (motion adapter, ControlNet)."""
        try:
            from shotgraph.backends.diffusers.video import FAMILIES, model_for
            from shotgraph.backends.hf_local import resolve_model
        except ImportError:  # the generate extra is not installed; the run says so
            return []
        family = FAMILIES[name]
        chosen = {"motion_adapter": params.motion_adapter, "controlnet": params.controlnet}
        wanted = [model_for(family, mode, params.model, params.image_model) for mode in family.pipelines]
        wanted += [chosen.get(c.name) or c.model for c in getattr(family, "components", ())]
        return installed(*[lambda m=m: resolve_model(m, "diffusers") for m in dict.fromkeys(wanted)])

    return locate


def _family(name: str, description: str) -> Backend:
    return Backend(name, description, REQUIRES, EXTRA, WEIGHTS, locate=_family_locate(name))


VIDEO_FAMILIES = (
    _family("wan", "Wan 2.1 text/image-to-video (diffusers)"),
    _family("svd", "Stable Video Diffusion image-to-video (diffusers)"),
    _family("cogvideox", "CogVideoX text/image-to-video (diffusers)"),
    _family("ltx", "LTX-Video text/image-to-video (diffusers)"),
    _family("animatediff", "AnimateDiff text-to-video + ControlNet guides (diffusers)"),
    _family("modelscope", "ModelScope text-to-video (diffusers)"),
)


def _img2img_locate(params) -> list[Path]:
    """The Stable Diffusion folder a Deforum loop with ``params`` loads."""
    from shotgraph.backends.diffusers.img2img import Img2Img

    return installed(lambda: Img2Img(params.model).locate())


IMG2IMG = Backend("diffusers-img2img", "Stable Diffusion (1.x/2.x, SDXL...) img2img per frame (diffusers)",
                  REQUIRES, EXTRA, WEIGHTS, locate=_img2img_locate)

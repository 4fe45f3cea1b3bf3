"""Text and picture compositing with Pillow, using the DejaVu fonts shipped inside the package.

Text is rendered once to an RGBA patch (anti-aliased, optional outline and box) and composited
over frames with NumPy on the patch's rectangle only, so an overlay costs little per frame.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from shotgraph.errors import ParamError

SHIPPED_FONTS = {"sans": "DejaVuSans.ttf", "sans-bold": "DejaVuSans-Bold.ttf"}


def font_path(name: str) -> Path:
    """A shipped font by name (``sans``, ``sans-bold``) or a .ttf/.otf path."""
    if name in SHIPPED_FONTS:
        return Path(str(resources.files("shotgraph.fonts").joinpath(SHIPPED_FONTS[name])))
    path = Path(name).expanduser()
    if not path.is_file():
        raise ParamError(f"font {name!r} is not a file nor one of the shipped fonts ({', '.join(SHIPPED_FONTS)})")
    return path


@lru_cache(maxsize=32)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(font_path(name)), size)
    except OSError as error:
        raise ParamError(f"cannot load font {name!r}: {error}") from None


def render_text(text: str, size: int, colour: tuple[int, int, int, int] = (255, 255, 255, 255),
                font: str = "sans-bold", align: str = "center", outline: int = 0,
                outline_colour: tuple[int, int, int, int] = (0, 0, 0, 255),
                box: tuple[int, int, int, int] | None = None, padding: float = 0.35,
                max_width: int | None = None) -> np.ndarray:
    """``text`` (may hold newlines) as a tight RGBA patch; wrapped to ``max_width`` pixels if given."""
    face = _font(font, max(4, int(size)))
    if max_width:
        text = _wrap(text, face, max_width)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.multiline_textbbox((0, 0), text, font=face, align=align, stroke_width=outline)
    pad = int(round(size * padding)) if box else 0
    left, top = int(np.floor(left)), int(np.floor(top))
    width, height = int(np.ceil(right)) - left + 2 * pad, int(np.ceil(bottom)) - top + 2 * pad
    image = Image.new("RGBA", (max(1, width), max(1, height)), box or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.multiline_text((pad - left, pad - top), text, font=face, fill=colour, align=align,
                        stroke_width=outline, stroke_fill=outline_colour)
    return np.asarray(image)


def _wrap(text: str, face: ImageFont.FreeTypeFont, max_width: int) -> str:
    lines = []
    for paragraph in text.split("\n"):
        words, line = paragraph.split(" "), ""
        for word in words:
            candidate = f"{line} {word}".strip()
            if line and face.getlength(candidate) > max_width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return "\n".join(lines)


def composite(frame: np.ndarray, patch: np.ndarray, x: int, y: int, opacity: float = 1.0) -> np.ndarray:
    """``patch`` (RGB or RGBA) over ``frame`` with its top-left at ``(x, y)``; clipped to the frame.

    Returns a new frame (frames are read-only); the frame's own alpha, if any, is kept.
    """
    out = np.array(frame, copy=True)
    height, width = frame.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + patch.shape[1], width), min(y + patch.shape[0], height)
    if x0 >= x1 or y0 >= y1 or opacity <= 0:
        return out
    part = patch[y0 - y : y1 - y, x0 - x : x1 - x]
    rgb = part[..., :3].astype(np.float32)
    alpha = part[..., 3:4].astype(np.float32) / 255.0 if part.shape[2] == 4 else np.ones(part.shape[:2] + (1,), np.float32)
    alpha *= opacity
    base = out[y0:y1, x0:x1, :3].astype(np.float32)
    out[y0:y1, x0:x1, :3] = np.clip(base + (rgb - base) * alpha + 0.5, 0, 255).astype(np.uint8)
    if out.shape[2] == 4:
        under = out[y0:y1, x0:x1, 3:4].astype(np.float32) / 255.0
        out[y0:y1, x0:x1, 3:4] = np.clip((alpha + under * (1 - alpha)) * 255 + 0.5, 0, 255).astype(np.uint8)
    return out


ANCHORS = {
    "top-left": (0.0, 0.0), "top": (0.5, 0.0), "top-right": (1.0, 0.0),
    "left": (0.0, 0.5), "center": (0.5, 0.5), "right": (1.0, 0.5),
    "bottom-left": (0.0, 1.0), "bottom": (0.5, 1.0), "bottom-right": (1.0, 1.0),
}


def place(anchor: str, patch_w: int, patch_h: int, width: int, height: int, margin: float = 0.05) -> tuple[int, int]:
    """Top-left corner for a patch at a named anchor, ``margin`` (fraction of the height) from the edges."""
    ax, ay = ANCHORS[anchor]
    pad = int(round(margin * height))
    x = pad + ax * (width - 2 * pad - patch_w)
    y = pad + ay * (height - 2 * pad - patch_h)
    return int(round(x)), int(round(y))

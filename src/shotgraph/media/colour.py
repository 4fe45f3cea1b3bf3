"""Colour tags: what a stream says about its matrix, range, primaries and transfer, and what we write.

Decoding YUV with the wrong matrix or range is the classic "washed out / shifted greens" bug of
video tools. shotgraph reads the stream's tags and converts with them; untagged streams get the
same guess players make (BT.709 for HD and larger, BT.601 below). Everything shotgraph writes
is converted with BT.709 limited range and tagged bt709/bt709/bt709/tv.
"""

from __future__ import annotations

from dataclasses import dataclass

from av.video.reformatter import ColorRange, Colorspace

# ITU-T H.273 code points (the values FFmpeg's AVColor* enums use).
PRIMARIES = {1: "bt709", 2: "unknown", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m",
             8: "film", 9: "bt2020", 10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213"}
TRANSFERS = {1: "bt709", 2: "unknown", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m",
             8: "linear", 13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084",
             18: "arib-std-b67"}
MATRICES = {0: "gbr", 1: "bt709", 2: "unknown", 4: "fcc", 5: "bt470bg", 6: "smpte170m",
            7: "smpte240m", 8: "ycgco", 9: "bt2020nc", 10: "bt2020c"}
RANGES = {0: "unknown", 1: "tv", 2: "pc"}

BT709 = 1
RANGE_LIMITED = 1
RANGE_FULL = 2

_SWS_MATRIX = {
    1: Colorspace.ITU709,
    4: Colorspace.FCC,
    5: Colorspace.ITU601,
    6: Colorspace.ITU601,
    7: Colorspace.SMPTE240M,
    9: Colorspace.BT2020,
    10: Colorspace.BT2020,
}


@dataclass(frozen=True)
class ColourTags:
    primaries: int = 2
    transfer: int = 2
    matrix: int = 2
    range: int = 0

    def or_else(self, other: "ColourTags") -> "ColourTags":
        """These tags, with unspecified ones taken from ``other`` (frame tags over stream tags)."""
        return ColourTags(
            self.primaries if self.primaries != 2 else other.primaries,
            self.transfer if self.transfer != 2 else other.transfer,
            self.matrix if self.matrix != 2 else other.matrix,
            self.range if self.range != 0 else other.range,
        )

    def names(self) -> dict[str, str]:
        return {
            "primaries": PRIMARIES.get(self.primaries, str(self.primaries)),
            "transfer": TRANSFERS.get(self.transfer, str(self.transfer)),
            "matrix": MATRICES.get(self.matrix, str(self.matrix)),
            "range": RANGES.get(self.range, str(self.range)),
        }


def tags_of(codec_context) -> ColourTags:
    return ColourTags(
        primaries=int(codec_context.color_primaries),
        transfer=int(codec_context.color_trc),
        matrix=int(codec_context.colorspace),
        range=int(codec_context.color_range),
    )


def is_rgb_format(pix_fmt: str | None) -> bool:
    return bool(pix_fmt) and (pix_fmt.startswith(("gbr", "rgb", "bgr", "argb", "abgr", "0rgb", "0bgr")))


def has_alpha(pix_fmt: str) -> bool:
    import av

    try:
        return any(c.is_alpha for c in av.VideoFormat(pix_fmt).components)
    except (ValueError, av.error.FFmpegError):
        return False


@dataclass(frozen=True)
class YuvConversion:
    """How to turn this stream's YUV into RGB: the matrix and range swscale should assume."""

    matrix: Colorspace
    range: ColorRange
    matrix_guessed: bool
    range_guessed: bool


def decode_conversion(tags: ColourTags, pix_fmt: str | None, height: int) -> YuvConversion:
    matrix = _SWS_MATRIX.get(tags.matrix)
    matrix_guessed = matrix is None
    if matrix is None:
        matrix = Colorspace.ITU709 if height >= 720 else Colorspace.ITU601
    if tags.range in (RANGE_LIMITED, RANGE_FULL):
        rng, range_guessed = ColorRange(tags.range), False
    elif pix_fmt and pix_fmt.startswith("yuvj"):
        rng, range_guessed = ColorRange.JPEG, False
    else:
        rng, range_guessed = ColorRange.MPEG, True
    return YuvConversion(matrix, rng, matrix_guessed, range_guessed)


def tag_bt709(codec_context, full_range: bool = False) -> None:
    """Tag an encoder's output as BT.709 (primaries, transfer, matrix) and its range."""
    codec_context.color_primaries = BT709
    codec_context.color_trc = BT709
    codec_context.colorspace = BT709
    codec_context.color_range = RANGE_FULL if full_range else RANGE_LIMITED

"""Image intake: judge a picture before anything decodes it, and a frame before it is used.

A picture imported from outside (a photo or a scan picked on a USB key) is
untrusted: its name and declared type say nothing, so it is judged by its
content alone. Only JPEG and PNG are accepted, recognised by their magic
numbers; then the byte size; then the size in pixels, read from the file's
header before decoding, because a 50 kB PNG can declare 100 000 × 100 000
pixels and ask for 30 GB once decoded (a decompression bomb). Pillow's own
guard (`PIL.Image.MAX_IMAGE_PIXELS`) stays in place behind ours, and our
limit never goes above it.

Camera frames come from our own sources but are still checked where they
enter the pipeline: a driver can hand over an empty, oddly shaped or 16-bit
array, and the pipeline's arithmetic assumes 8-bit BGR.

Each failure has its own exception class (as OCRmyPDF does), so the kiosk can
say exactly what is wrong and what to do instead. No Flask here.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from scanning.errors import UnreadableImage
from scanning.types import Image

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: JPEG start-of-frame markers (C4, C8 and CC are other markers).
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
#: JPEG markers that stand alone, without a length.
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
#: Largest camera frame accepted (64 megapixels: more than any document camera).
FRAME_MAX_PIXELS = 64_000_000
#: Smallest side of a camera frame that the detector can work with.
FRAME_MIN_SIDE = 16
#: Resolutions a scanner writes; phones write 72 or 96, which say nothing about the page.
PLAUSIBLE_DPI = (100.0, 1200.0)
#: A page, once its resolution is known, is between a ticket and an A3 sheet (inches).
PLAUSIBLE_LONG_SIDE_INCHES = (2.0, 17.0)


class IntakeError(UnreadableImage):
    """Base class: an imported picture or a frame that the kiosk will not use."""


class EmptyImage(IntakeError):
    """The file holds no bytes at all."""


class FileTooLarge(IntakeError):
    """The file is larger, in bytes, than the kiosk accepts."""


class UnsupportedImageType(IntakeError):
    """The content is neither a JPEG nor a PNG picture, whatever its name says."""


class TooManyPixels(IntakeError):
    """The header declares more pixels (or a longer side) than the kiosk decodes."""


class ImageTooSmall(IntakeError):
    """The picture is too small to hold a readable page."""


class DecompressionBomb(IntakeError):
    """Pillow's own guard refused the picture: it would expand far beyond its size."""


class CorruptImage(IntakeError):
    """The header cannot be read, or the picture cannot be decoded."""


class BadFrame(IntakeError):
    """A camera frame that is not an 8-bit colour picture of a usable size."""


@dataclass(frozen=True)
class IntakeLimits:
    """What an imported picture may weigh and measure."""

    max_bytes: int = 25_000_000
    max_pixels: int = 40_000_000
    max_side: int = 20_000
    min_side: int = 200

    def pixel_limit(self) -> int:
        """Our limit, never above Pillow's own guard (which warns, then refuses, beyond it)."""
        pillow = PILImage.MAX_IMAGE_PIXELS
        return min(self.max_pixels, int(pillow)) if pillow else self.max_pixels


@dataclass(frozen=True)
class ImageInfo:
    """What the header says: the format, the size, and the resolution if it is believable."""

    kind: str  # "jpeg" or "png"
    width: int
    height: int
    dpi: float | None = None


@dataclass(frozen=True)
class DecodedImage:
    """An accepted picture, decoded to 8-bit BGR, upright as its EXIF says."""

    image: Image
    info: ImageInfo


def sniff(data: bytes) -> str:
    """Return "jpeg" or "png" from the first bytes, or raise `UnsupportedImageType`."""
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if data.startswith(PNG_MAGIC):
        return "png"
    raise UnsupportedImageType("neither JPEG nor PNG")


def _png_size(data: bytes) -> tuple[int, int]:
    # The IHDR chunk must come first: length 13, type, width, height.
    if len(data) < 33 or data[8:16] != b"\x00\x00\x00\x0dIHDR":
        raise CorruptImage("PNG without its IHDR header")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Walk the JPEG markers up to the scan; exactly one start-of-frame is accepted."""
    sizes: list[tuple[int, int]] = []
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise CorruptImage("JPEG marker expected")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        position += 2
        if marker in _STANDALONE_MARKERS:
            continue
        if marker in (0xD8, 0xD9):  # a second start of image, or the end before any frame
            break
        (length,) = struct.unpack(">H", data[position : position + 2])
        if length < 2:
            raise CorruptImage("JPEG segment too short")
        if marker in _SOF_MARKERS:
            if position + 7 > len(data):
                raise CorruptImage("JPEG frame header cut short")
            height, width = struct.unpack(">HH", data[position + 3 : position + 7])
            sizes.append((width, height))
        if marker == 0xDA:  # start of scan: the header is over
            break
        position += length
    # Two frame headers could show the checker one size and the decoder another.
    if len(sizes) != 1:
        raise CorruptImage(f"JPEG with {len(sizes)} frame headers")
    return sizes[0]


def _plausible_dpi(value: object, width: int, height: int) -> float | None:
    if not isinstance(value, tuple) or len(value) != 2:
        return None
    try:
        dpi = float(value[0])
    except (TypeError, ValueError):
        return None
    low, high = PLAUSIBLE_DPI
    if not low <= dpi <= high or abs(float(value[1]) - dpi) > 1:
        return None
    long_side = max(width, height) / dpi
    shortest, longest = PLAUSIBLE_LONG_SIDE_INCHES
    return dpi if shortest <= long_side <= longest else None


def inspect(data: bytes, limits: IntakeLimits | None = None) -> ImageInfo:
    """Check content, byte size and pixel count without decoding any pixel."""
    limits = limits or IntakeLimits()
    if not data:
        raise EmptyImage("no bytes")
    if len(data) > limits.max_bytes:
        raise FileTooLarge(f"{len(data)} bytes, limit {limits.max_bytes}")
    kind = sniff(data)
    try:
        width, height = _png_size(data) if kind == "png" else _jpeg_size(data)
    except struct.error as error:
        raise CorruptImage(f"header cut short: {error}") from None
    _check_size(width, height, limits)
    return ImageInfo(kind, width, height)


def _check_size(width: int, height: int, limits: IntakeLimits) -> None:
    if width == 0 or height == 0:
        raise CorruptImage("an image without pixels")
    if width * height > limits.pixel_limit() or max(width, height) > limits.max_side:
        raise TooManyPixels(f"{width}×{height} pixels")
    if min(width, height) < limits.min_side:
        raise ImageTooSmall(f"{width}×{height} pixels")


def _to_rgb(picture: PILImage.Image) -> PILImage.Image:
    if picture.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit and float greys: bring them to 8 bits before colour conversion.
        picture = picture.convert("I").point(lambda value: value / 256).convert("L")
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        # A transparent scan is laid on white paper, not on black.
        rgba = picture.convert("RGBA")
        paper = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = PILImage.alpha_composite(paper, rgba)
    return picture.convert("RGB")


def decode(data: bytes, limits: IntakeLimits | None = None) -> DecodedImage:
    """Check a picture, then decode it to 8-bit BGR, turned upright as its EXIF says."""
    limits = limits or IntakeLimits()
    info = inspect(data, limits)
    expected = "JPEG" if info.kind == "jpeg" else "PNG"
    try:
        with PILImage.open(io.BytesIO(data), formats=(expected,)) as picture:
            # Pillow reads the header again: it must agree with ours.
            if picture.size != (info.width, info.height):
                raise CorruptImage(
                    f"header says {info.width}×{info.height}, decoder {picture.size}"
                )
            picture.load()
            dpi = _plausible_dpi(picture.info.get("dpi"), info.width, info.height)
            upright = _upright(picture)
            rgb = _to_rgb(upright)
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as error:
        raise DecompressionBomb(str(error)) from None
    except IntakeError:
        raise
    except ValueError as error:
        # Pillow refuses a PNG text chunk that inflates past MAX_TEXT_CHUNK this way.
        if "too large" in str(error).lower():
            raise DecompressionBomb(str(error)) from None
        raise CorruptImage(str(error)) from None
    except (
        OSError,
        SyntaxError,
        EOFError,
        UnidentifiedImageError,
        struct.error,
        IndexError,
        KeyError,
        TypeError,
        ZeroDivisionError,
    ) as error:
        raise CorruptImage(f"{type(error).__name__}: {error}") from None
    _check_size(rgb.width, rgb.height, limits)
    image = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8)[:, :, ::-1])
    return DecodedImage(image, ImageInfo(info.kind, rgb.width, rgb.height, dpi))


def _upright(picture: PILImage.Image) -> PILImage.Image:
    """Apply the EXIF orientation; a broken EXIF block only costs the orientation."""
    try:
        turned = ImageOps.exif_transpose(picture)
    except Exception:  # EXIF is free-form: any failure means "as stored"
        return picture
    return turned if turned is not None else picture


def check_frame(image: object, max_pixels: int = FRAME_MAX_PIXELS) -> None:
    """Refuse a frame that is not an 8-bit BGR array of a usable size (raise `BadFrame`)."""
    if not isinstance(image, np.ndarray):
        raise BadFrame(f"a frame must be an array, not {type(image).__name__}")
    if image.dtype != np.uint8:
        raise BadFrame(f"a frame must have 8 bits per channel, not {image.dtype}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise BadFrame(f"a frame must be a colour picture, not of shape {image.shape}")
    height, width = int(image.shape[0]), int(image.shape[1])
    if min(height, width) < FRAME_MIN_SIDE:
        raise BadFrame(f"a frame of {width}×{height} pixels is too small")
    if height * width > max_pixels:
        raise BadFrame(f"a frame of {width}×{height} pixels is too large")

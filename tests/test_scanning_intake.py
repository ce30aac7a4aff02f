"""scanning.intake: pictures judged by content, bytes and header pixels; frames by shape."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from scanning import intake, pipeline
from scanning.detect import QuadTracker
from scanning.types import Frame

DEMO = Path(__file__).resolve().parent.parent / "scanning" / "demo"


def encoded(image: PILImage.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int, body: bytes = b"") -> bytes:
    """A PNG whose header declares a size; `body` is its compressed pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    return (
        intake.PNG_MAGIC
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", body)
        + png_chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header is rewritten to declare another size."""
    data = bytearray(encoded(PILImage.new("RGB", (320, 240), "white"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def test_a_camera_photo_and_a_png_scan_are_accepted() -> None:
    photo = (DEMO / "frame-16.jpg").read_bytes()
    decoded = intake.decode(photo)
    assert decoded.info.kind == "jpeg" and decoded.image.shape == (720, 1280, 3)
    assert decoded.image.dtype == np.uint8 and decoded.image.flags.c_contiguous

    colours = np.zeros((300, 400, 3), np.uint8)
    colours[:, :, 0] = 200  # red in RGB
    scan = encoded(PILImage.fromarray(colours), "PNG", dpi=(300, 300))
    decoded = intake.decode(scan)
    assert decoded.info.kind == "png"
    # Decoded to BGR, exactly: red ends up in the last channel.
    assert decoded.image[0, 0].tolist() == [0, 0, 200]


@pytest.mark.parametrize(
    ("kind", "options"),
    [("GIF", {}), ("BMP", {}), ("WEBP", {}), ("TIFF", {}), ("PDF", {}), ("ICO", {})],
)
def test_other_formats_are_refused_by_content(kind: str, options: dict[str, object]) -> None:
    data = encoded(PILImage.new("RGB", (300, 300), "white"), kind, **options)
    with pytest.raises(intake.UnsupportedImageType):
        intake.decode(data)


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<!doctype html><p>hello",
        b"%PDF-1.7\n",
        b"PK\x03\x04" + b"\0" * 100,  # a zip
        b"\xff\xd8",  # two bytes of a JPEG, not three
    ],
)
def test_text_archives_and_fragments_are_refused(data: bytes) -> None:
    with pytest.raises(intake.UnsupportedImageType):
        intake.decode(data)


def test_empty_and_too_heavy_files_are_refused_before_anything_else() -> None:
    with pytest.raises(intake.EmptyImage):
        intake.decode(b"")
    limits = intake.IntakeLimits(max_bytes=1000)
    with pytest.raises(intake.FileTooLarge):
        intake.inspect(intake.JPEG_MAGIC + b"\0" * 1000, limits)


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding() -> None:
    # 30 000 × 30 000 pixels of white, compressed to about a megabyte: 900 megapixels.
    row = b"\0" + b"\0" * (30_000 // 8)
    body = zlib.compress(row * 30_000, 9)
    bomb = png_declaring(30_000, 30_000, body)
    assert len(bomb) < 2_000_000
    started = time.perf_counter()
    with pytest.raises(intake.TooManyPixels):
        intake.decode(bomb)
    assert time.perf_counter() - started < 0.5  # nothing was inflated
    with pytest.raises(intake.TooManyPixels):
        intake.decode(jpeg_declaring(60_000, 60_000))
    # Our limit: a 9000 × 5000 picture (45 megapixels) is over the default 40.
    with pytest.raises(intake.TooManyPixels):
        intake.inspect(png_declaring(9000, 5000))
    with pytest.raises(intake.TooManyPixels):
        intake.inspect(png_declaring(30_000, 300))  # a side longer than max_side


def test_our_limit_never_exceeds_pillows_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 100_000)
    assert intake.IntakeLimits(max_pixels=10**9).pixel_limit() == 100_000
    with pytest.raises(intake.TooManyPixels):
        intake.decode(encoded(PILImage.new("RGB", (400, 300)), "PNG"))


def test_a_text_chunk_that_inflates_is_a_decompression_bomb() -> None:
    picture = encoded(PILImage.new("L", (300, 300), 255), "PNG")
    bomb_text = b"Comment\0\0" + zlib.compress(b"A" * 50_000_000, 9)
    end = picture.rindex(b"IEND") - 4
    data = picture[:end] + png_chunk(b"zTXt", bomb_text) + picture[end:]
    with pytest.raises(intake.DecompressionBomb):
        intake.decode(data)


def test_tiny_truncated_and_inconsistent_pictures_are_refused() -> None:
    with pytest.raises(intake.ImageTooSmall):
        intake.decode(encoded(PILImage.new("RGB", (150, 100)), "JPEG"))
    whole = (DEMO / "frame-16.jpg").read_bytes()
    with pytest.raises(intake.CorruptImage):
        intake.decode(whole[: len(whole) // 2])
    with pytest.raises(intake.CorruptImage):
        intake.decode(intake.PNG_MAGIC + b"\0" * 40)
    with pytest.raises(intake.CorruptImage):
        intake.decode(png_declaring(0, 500))
    # Two frame headers: the checker could read one size and the decoder another.
    data = bytearray(jpeg_declaring(320, 240))
    sof = data.index(b"\xff\xc0")
    length = struct.unpack(">H", data[sof + 2 : sof + 4])[0]
    segment = bytes(data[sof : sof + 2 + length])
    doubled = bytes(data[:sof]) + segment + segment + bytes(data[sof:])[2 + length :]
    with pytest.raises(intake.CorruptImage):
        intake.decode(doubled)


def test_exif_orientation_is_applied_and_dpi_kept_only_when_believable() -> None:
    exif = PILImage.Exif()
    exif[0x0112] = 6  # turned 90° clockwise
    data = encoded(PILImage.new("RGB", (400, 300), "white"), "JPEG", exif=exif)
    assert intake.decode(data).image.shape[:2] == (400, 300)
    a4_scan = encoded(PILImage.new("L", (1240, 1754), 255), "PNG", dpi=(150, 150))
    assert intake.decode(a4_scan).info.dpi == pytest.approx(150, abs=0.5)
    phone = encoded(PILImage.new("RGB", (2000, 1500)), "JPEG", dpi=(72, 72))
    assert intake.decode(phone).info.dpi is None


def test_sixteen_bit_and_transparent_pngs_become_8_bit_colour() -> None:
    deep = PILImage.fromarray(np.full((300, 300), 65535, np.uint16))
    assert intake.decode(encoded(deep, "PNG")).image.max() == 255
    clear = PILImage.new("RGBA", (300, 300), (0, 0, 0, 0))
    assert intake.decode(encoded(clear, "PNG")).image.min() == 255  # laid on white paper


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((720, 1280, 3), np.uint16),
        np.zeros((720, 1280, 3), np.float32),
        np.zeros((720, 1280), np.uint8),
        np.zeros((720, 1280, 4), np.uint8),
        np.zeros((8, 1280, 3), np.uint8),
        np.zeros((0, 0, 3), np.uint8),
        np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (9000, 9000, 3)),  # 81 megapixels
        [[0, 0, 0]],
    ],
    ids=["16-bit", "float", "grey", "four channels", "thin", "empty", "huge", "a list"],
)
def test_odd_frames_are_refused_where_they_enter_the_pipeline(frame: object) -> None:
    with pytest.raises(intake.BadFrame):
        intake.check_frame(frame)
    with pytest.raises(intake.BadFrame):
        pipeline.scan(Frame(frame))  # type: ignore[arg-type]
    with pytest.raises(intake.BadFrame):
        pipeline.guide(Frame(frame), QuadTracker())  # type: ignore[arg-type]


SMALL_JPEG = encoded(PILImage.new("RGB", (240, 220), (120, 130, 140)), "JPEG", quality=70)
SMALL_PNG = encoded(PILImage.new("P", (230, 210)), "PNG")


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A valid small picture with some bytes changed, cut, or inserted."""
    data = bytearray(draw(st.sampled_from([SMALL_JPEG, SMALL_PNG])))
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position : position + draw(st.integers(1, 64))]
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        if not data:
            break
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(damaged(), st.binary(max_size=2048)))
def test_any_bytes_give_a_picture_or_an_intake_error(data: bytes) -> None:
    try:
        decoded = intake.decode(data)
    except intake.IntakeError:
        return
    image = decoded.image
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[0] * image.shape[1] <= intake.IntakeLimits().max_pixels
    intake.check_frame(image)

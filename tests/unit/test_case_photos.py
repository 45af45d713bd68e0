"""Photo cleaning: recognised by content, re-encoded without metadata; pure, no database."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from gridloop.cases import photos
from gridloop.errors import InvalidPhoto, PhotoTooLarge


def _jpeg_with_exif(orientation: int | None = None) -> bytes:
    picture = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Phone Maker"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 12.0, 5.0)}  # GPSInfo
    if orientation is not None:
        exif[0x0112] = orientation
    output = BytesIO()
    picture.save(output, format="JPEG", exif=exif.tobytes())
    return output.getvalue()


def test_exif_is_gone_after_cleaning() -> None:
    cleaned = photos.clean(_jpeg_with_exif())

    assert cleaned.media_type == "image/jpeg"
    assert dict(Image.open(BytesIO(cleaned.data)).getexif()) == {}
    assert b"Phone Maker" not in cleaned.data


def test_the_exif_orientation_is_applied_before_it_is_dropped() -> None:
    cleaned = photos.clean(_jpeg_with_exif(orientation=6))  # 6: rotate 90° clockwise

    assert (cleaned.width, cleaned.height) == (20, 40)


def test_png_text_chunks_are_dropped() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "taken at home, 31.2N 121.4E")
    output = BytesIO()
    Image.new("RGBA", (8, 8)).save(output, format="PNG", pnginfo=info)

    cleaned = photos.clean(output.getvalue())

    assert cleaned.media_type == "image/png"
    assert b"taken at home" not in cleaned.data


@pytest.mark.parametrize(
    "data", [b"", b"GIF89a not really", b"\xff\xd8\xff\xe0 a JPEG header and nothing else"]
)
def test_what_is_not_a_jpeg_png_or_webp_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidPhoto):
        photos.clean(data)


def test_a_file_over_the_limit_is_too_large() -> None:
    with pytest.raises(PhotoTooLarge):
        photos.clean(b"\0" * (photos.MAX_BYTES + 1))

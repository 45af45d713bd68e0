"""Case photos: recognised by content, re-encoded without EXIF, kept as files. No DB, no web.

A photo from the field carries the phone's EXIF: GPS position, device, owner. Re-encoding the
pixels drops all of it (XMP and text chunks too); the picture is first turned the way its EXIF
orientation asked, so nothing looks sideways afterwards. The file name says nothing: a `.jpg`
that is not an image is refused.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from gridloop.errors import InvalidPhoto, PhotoTooLarge

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_STEP = 9
# Decoded size bound: a small file can unpack to gigabytes (a decompression bomb).
MAX_PIXELS = 50_000_000

# Pillow format → (media type, file extension).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
JPEG_QUALITY = 90


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    media_type: str
    extension: str
    width: int
    height: int
    sha256: str


def _refuse(name: str, reason: str) -> InvalidPhoto:
    return InvalidPhoto(
        f"{name}：不是可用的 JPEG、PNG 或 WebP 图片 / {name}: not a usable JPEG, PNG or WebP "
        f"image ({reason})"
    )


def clean(raw: bytes, *, name: str = "photo") -> CleanPhoto:
    """The photo re-encoded in its own format without metadata; InvalidPhoto or PhotoTooLarge."""
    if len(raw) > MAX_BYTES:
        raise PhotoTooLarge(
            f"{name} 超过 {MAX_BYTES // (1024 * 1024)} MB / {name} is larger than "
            f"{MAX_BYTES // (1024 * 1024)} MB"
        )
    try:
        with Image.open(BytesIO(raw), formats=list(FORMATS)) as probe:
            image_format = probe.format or ""
            if probe.width * probe.height > MAX_PIXELS:
                raise _refuse(name, f"more than {MAX_PIXELS} pixels")
            probe.verify()
        with Image.open(BytesIO(raw), formats=[image_format]) as image:
            image.load()
            encoded, width, height = _reencode(image, image_format)
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise _refuse(name, type(exc).__name__) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated or corrupt data with these.
        raise _refuse(name, "damaged image data") from exc
    media_type, extension = FORMATS[image_format]
    return CleanPhoto(
        data=encoded,
        media_type=media_type,
        extension=extension,
        width=width,
        height=height,
        sha256=hashlib.sha256(encoded).hexdigest(),
    )


def _reencode(image: Image.Image, image_format: str) -> tuple[bytes, int, int]:
    turned = ImageOps.exif_transpose(image)
    icc_profile = turned.info.get("icc_profile")
    if turned.mode == "P":
        turned = turned.convert("RGBA" if "transparency" in turned.info else "RGB")
    if image_format == "JPEG" and turned.mode not in ("L", "RGB", "CMYK"):
        turned = turned.convert("RGB")
    # Nothing of the original's metadata may ride along: every save option is given here.
    turned.info = {}
    options: dict[str, object] = {"icc_profile": icc_profile} if icc_profile else {}
    if image_format == "JPEG":
        options["quality"] = JPEG_QUALITY
    output = BytesIO()
    turned.save(output, format=image_format, **options)
    return output.getvalue(), turned.width, turned.height


# ----------------------------------------------------------------------------- files


def store(folder: Path, *, case_id: int, photo: CleanPhoto) -> str:
    """Write the photo under `folder`; its storage key (path relative to `folder`)."""
    key = f"{case_id}/{uuid.uuid4().hex}.{photo.extension}"
    path = folder / key
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(photo.data)
    os.replace(partial, path)  # readers never see half a file
    return key


def path_of(folder: Path, key: str) -> Path:
    return folder / key

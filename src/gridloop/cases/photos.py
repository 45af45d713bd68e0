"""Case photos: who may add them when, how they are cleaned and where they are kept.

A photo from the field carries the phone's EXIF: GPS position, device, owner. Re-encoding the
pixels drops all of it (XMP and text chunks too); the picture is first turned the way its EXIF
orientation asked, so nothing looks sideways afterwards. The file name says nothing: a `.jpg`
that is not an image is refused. Cleaned photos are kept as files under the photo folder, their
rows in `case_photo`: at most 9 per step and handling round.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from gridloop.cases import repository
from gridloop.cases.callers import Caller, is_lead_liaison, visible_case
from gridloop.cases.models import CasePhoto, PhotoStep
from gridloop.cases.schemas import CasePhotoRead
from gridloop.cases.workflow import Actor, Status
from gridloop.config import get_settings
from gridloop.errors import (
    ActionNotAllowed,
    Forbidden,
    InvalidPhoto,
    NotFound,
    PhotoTooLarge,
    TooManyPhotos,
    invalid_field,
)

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


# ----------------------------------------------------------------------------- the case's photos


def _photo_read(photo: CasePhoto) -> CasePhotoRead:
    return CasePhotoRead(
        photo_id=photo.case_photo_id,
        step=PhotoStep(photo.step),
        round=photo.round,
        media_type=photo.media_type,
        byte_size=photo.byte_size,
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        created_at=photo.created_at,
        url=f"/cases/{photo.case_id}/photos/{photo.case_photo_id}",
    )


def case_photos(session: Session, *, caller: Caller, case_id: int) -> list[CasePhotoRead]:
    visible_case(session, caller=caller, case_id=case_id)
    return photos_by_case(session, case_ids=[case_id])[case_id]


def photos_by_case(
    session: Session, *, case_ids: Collection[int]
) -> dict[int, list[CasePhotoRead]]:
    """The photos of cases the caller was found to see, by case, in the order they came."""
    found: dict[int, list[CasePhotoRead]] = {case_id: [] for case_id in case_ids}
    if found:
        for photo in repository.photos(session, case_ids=list(found)):
            found[photo.case_id].append(_photo_read(photo))
    return found


def first_photo_ids(
    session: Session, *, case_ids: Sequence[int], step: PhotoStep
) -> dict[int, int]:
    """The first photo of a step of each of the cases that has one, by case id (the caller has
    seen the cases)."""
    if not case_ids:
        return {}
    rows = repository.first_photo_ids(session, case_ids=case_ids, step=step.value)
    return {row.case_id: row.photo_id for row in rows}


def photo_file(
    session: Session, *, caller: Caller, case_id: int, photo_id: int
) -> tuple[Path, str]:
    """The file and media type of a photo of a case the caller sees."""
    visible_case(session, caller=caller, case_id=case_id)
    photo = repository.get_photo(session, case_id=case_id, photo_id=photo_id)
    path = None if photo is None else path_of(_photo_dir(), photo.storage_key)
    if photo is None or path is None or not path.is_file():
        raise NotFound("照片不存在 / No such photo")
    return path, photo.media_type


def _photo_dir() -> Path:
    return get_settings().effective_photo_dir


# Who takes the photos of each step, and in which status.
PHOTO_TAKERS: dict[PhotoStep, tuple[Actor, Status]] = {
    PhotoStep.BEFORE: (Actor.REPORTER, Status.REPORTED),
    PhotoStep.AFTER: (Actor.LIAISON, Status.HANDLING),
    PhotoStep.VERIFICATION: (Actor.INSPECTOR, Status.HANDLED),
}


def add_photos(
    session: Session,
    *,
    caller: Caller,
    case_id: int,
    step: PhotoStep,
    files: Sequence[tuple[str, BinaryIO]],
    now: datetime,
) -> list[CasePhotoRead]:
    """Check, clean and keep the photos of one step, at most 9 per step and handling round.

    Before-photos come from the reporter while the case is reported, after-photos from the lead
    office while handling, verification photos from an inspector before the round is verified.
    """
    case = visible_case(session, caller=caller, case_id=case_id, for_update=True)
    taker, status = PHOTO_TAKERS[step]
    if taker not in caller.actors_for(case) or (
        taker == Actor.LIAISON and not is_lead_liaison(session, caller=caller, case=case)
    ):
        raise Forbidden(f"无权上传 {step} 照片 / you may not add {step} photos to this case")
    if case.status != status or (step == PhotoStep.VERIFICATION and case.verification is not None):
        raise ActionNotAllowed(
            f"案件状态为 {case.status}，不能上传 {step} 照片 / a case in status {case.status} "
            f"takes no {step} photos"
        )
    if not files:
        raise invalid_field("body.files", "至少一张照片 / at least one photo")
    round_ = 0 if step == PhotoStep.BEFORE else case.rework_count
    taken = repository.photo_count(session, case_id=case_id, step=step.value, round_=round_)
    if taken + len(files) > MAX_PER_STEP:
        raise TooManyPhotos(
            f"每个环节最多 {MAX_PER_STEP} 张，已有 {taken} 张 / at most "
            f"{MAX_PER_STEP} photos per step; {taken} already"
        )
    # One byte past the limit is enough to know a file is too large.
    cleaned = [clean(file.read(MAX_BYTES + 1), name=name) for name, file in files]
    folder = _photo_dir()
    return [
        _photo_read(
            repository.add_photo(
                session,
                CasePhoto(
                    case_id=case_id,
                    step=step.value,
                    round=round_,
                    media_type=photo.media_type,
                    byte_size=len(photo.data),
                    width=photo.width,
                    height=photo.height,
                    sha256=photo.sha256,
                    storage_key=store(folder, case_id=case_id, photo=photo),
                    uploaded_by_user_id=caller.user_id,
                    uploaded_by_api_key_id=caller.api_key_id,
                    created_at=now,
                ),
            )
        )
        for photo in cleaned
    ]

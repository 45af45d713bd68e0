"""Photos: checked by content, EXIF removed, size and count limits, who adds and who sees."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from gridloop.cases import photos
from tests.factories.cases import IN_A003, World, file_case, image, to_handling, upload
from tests.factories.web import assert_problem


def test_a_jpeg_with_exif_comes_back_without_it(world: World, photo_dir: Path) -> None:
    case = file_case(world)
    original = image("JPEG", exif=True)
    assert Image.open(BytesIO(original)).getexif()  # the test photo does carry GPS and a model

    response = upload(world, case["case_id"], "before", "ins1", ("IMG_0001.JPG", original))

    assert response.status_code == 201, response.text
    [stored] = response.json()
    assert stored["media_type"] == "image/jpeg"
    assert (stored["width"], stored["height"]) == (64, 48)
    served = world.client.get(stored["url"], headers=world["ins1"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    picture = Image.open(BytesIO(served.content))
    assert picture.format == "JPEG"
    assert dict(picture.getexif()) == {}
    assert b"Exif" not in served.content
    assert b"gridloop test camera" not in served.content
    assert any(photo_dir.rglob("*.jpg"))


@pytest.mark.parametrize(("kind", "media_type"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_are_kept_in_their_format(world: World, kind: str, media_type: str) -> None:
    case = file_case(world)

    response = upload(world, case["case_id"], "before", "ins1", ("photo.jpg", image(kind)))

    assert response.status_code == 201, response.text
    assert response.json()[0]["media_type"] == media_type


def test_a_jpg_that_is_really_text_is_refused(world: World) -> None:
    case = file_case(world)

    response = upload(world, case["case_id"], "before", "ins1", ("photo.jpg", b"just some text"))

    assert_problem(response, 422, "invalid-photo")
    assert world.client.get(f"/cases/{case['case_id']}/photos", headers=world["ins1"]).json() == []


def test_a_truncated_jpeg_is_refused(world: World) -> None:
    case = file_case(world)
    broken = image("JPEG", size=(400, 300))[:300]

    response = upload(world, case["case_id"], "before", "ins1", ("photo.jpg", broken))

    assert_problem(response, 422, "invalid-photo")


def test_a_gif_is_not_one_of_the_formats(world: World) -> None:
    case = file_case(world)

    response = upload(world, case["case_id"], "before", "ins1", ("photo.gif", image("GIF")))

    assert_problem(response, 422, "invalid-photo")


def test_a_photo_over_10_mb_is_413(world: World) -> None:
    case = file_case(world)
    too_big = image("PNG") + b"\0" * photos.MAX_BYTES

    response = upload(world, case["case_id"], "before", "ins1", ("big.png", too_big))

    assert_problem(response, 413, "photo-too-large")


def test_the_tenth_photo_of_a_step_is_refused(world: World) -> None:
    case = file_case(world)
    nine = [(f"{n}.jpg", image()) for n in range(9)]
    assert upload(world, case["case_id"], "before", "ins1", *nine).status_code == 201

    response = upload(world, case["case_id"], "before", "ins1", ("10.jpg", image()))

    assert_problem(response, 422, "too-many-photos")
    listed = world.client.get(f"/cases/{case['case_id']}/photos", headers=world["ins1"]).json()
    assert len(listed) == 9


def test_ten_photos_at_once_are_refused_whole(world: World) -> None:
    case = file_case(world)

    response = upload(
        world, case["case_id"], "before", "ins1", *[(f"{n}.jpg", image()) for n in range(10)]
    )

    assert_problem(response, 422, "too-many-photos")


def test_before_photos_are_the_reporters_while_reported(world: World) -> None:
    case = file_case(world)

    by_auditor = upload(world, case["case_id"], "before", "aud", ("a.jpg", image()))
    by_dispatcher = upload(world, case["case_id"], "before", "disp1", ("a.jpg", image()))
    after_too_early = upload(world, case["case_id"], "after", "ins1", ("a.jpg", image()))

    assert_problem(by_auditor, 403, "forbidden")
    assert_problem(by_dispatcher, 403, "forbidden")
    assert_problem(after_too_early, 403, "forbidden")


def test_an_intake_client_adds_before_photos_to_what_it_filed(world: World) -> None:
    filed = world.client.post(
        "/cases",
        json={"point": {"lon": IN_A003[0], "lat": IN_A003[1], "crs": "wgs84"}, "description": "脏"},
        headers=world["hotline"],
    ).json()

    mine = upload(world, filed["case_id"], "before", "hotline", ("a.jpg", image()))
    not_mine = upload(world, filed["case_id"], "before", "app", ("a.jpg", image()))

    assert mine.status_code == 201, mine.text
    assert_problem(not_mine, 404, "not-found")


def test_after_photos_are_the_lead_offices_while_handling(world: World) -> None:
    case_id = to_handling(world)

    by_office = upload(world, case_id, "after", "lia1", ("a.jpg", image()))
    before_now = upload(world, case_id, "before", "ins1", ("a.jpg", image()))

    assert by_office.status_code == 201, by_office.text
    assert by_office.json()[0]["step"] == "after"
    assert by_office.json()[0]["round"] == 0
    assert_problem(before_now, 409, "action-not-allowed")


def test_a_photo_is_served_only_to_those_who_see_the_case(world: World) -> None:
    case = file_case(world)
    [stored] = upload(world, case["case_id"], "before", "ins1", ("a.jpg", image())).json()

    for who in ("ins1", "disp1", "aud", "adm"):
        assert world.client.get(stored["url"], headers=world[who]).status_code == 200
    for who in ("ins1south", "ins2", "disp2", "lia1", "hotline"):
        assert_problem(world.client.get(stored["url"], headers=world[who]), 404, "not-found")
    other = file_case(world)
    wrong_case = f"/cases/{other['case_id']}/photos/{stored['photo_id']}"
    assert_problem(world.client.get(wrong_case, headers=world["ins1"]), 404, "not-found")

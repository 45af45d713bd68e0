"""What Open311 answers is public: no response, of any resource in either format, carries the
requester's phone, e-mail or anything else of theirs, nor an internal note."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx2
from fastapi.routing import APIRoute

from gridloop.open311 import router as open311_router
from tests.factories.cases import World, act, image, ok, upload
from tests.factories.open311 import FORMATS, REQUESTER, filed_id, post_request
from tests.factories.web import SetSettings

LINK = "https://photos.example.cn/requester/IMG_0042.jpg"
NOTES = ("内部备注甲", "内部备注乙", "内部备注丙")
SECRETS = (*REQUESTER.values(), LINK, *NOTES)


def _walk(world: World, case_id: int) -> int:
    """Register, dispatch, accept and report a case handled, with notes; its after-photo."""
    ok(act(world, case_id, "register", "disp1", {"note": NOTES[0]}))
    ok(act(world, case_id, "dispatch", "disp1", {"note": NOTES[1]}))
    world.clock.now += timedelta(minutes=10)
    ok(act(world, case_id, "accept", "lia1"))
    photo = upload(world, case_id, "after", "lia1", ("after.jpg", image(exif=True)))
    assert photo.status_code == 201, photo.text
    ok(act(world, case_id, "report_handled", "lia1", {"result": NOTES[2]}))
    return int(photo.json()[0]["photo_id"])


def _paths(case_id: int, photo_id: int) -> list[str]:
    """Every GET route of the Open311 router, its path parameters filled in."""
    values = {
        "service_request_id": str(case_id),
        "token": str(case_id),
        "service_code": "E0102",
        "photo_id": str(photo_id),
    }
    paths = []
    for route in open311_router.router.routes:
        assert isinstance(route, APIRoute)
        if "GET" not in (route.methods or ()):
            continue
        for fmt in FORMATS if "{fmt}" in route.path else ("",):
            path = route.path.replace("{fmt}", fmt)
            for name, value in values.items():
                path = path.replace(f"{{{name}}}", value)
            paths.append(path)
    return paths


def test_no_open311_response_carries_the_requester_or_a_note(
    world: World, set_settings: SetSettings, photo_dir: Path
) -> None:
    set_settings(
        GRIDLOOP_OPEN311_PUBLIC_PHOTOS="reported",
        GRIDLOOP_PHOTO_DIR=str(photo_dir),
        GRIDLOOP_OPEN311_GET_PER_MINUTE="1000",
    )
    responses: list[httpx2.Response] = []
    for fmt in FORMATS:
        responses.append(post_request(world, fmt=fmt, **REQUESTER, media_url=LINK))
        responses.append(post_request(world, fmt=fmt, **REQUESTER, lat="north"))
        responses.append(post_request(world, fmt=fmt, **{**REQUESTER, "email": "no-at-sign"}))
    case_id = filed_id(responses[0])
    photo_id = _walk(world, case_id)
    world.clock.now += timedelta(minutes=1)
    variants = [
        {},
        {"service_request_id": str(case_id)},
        {"status": "open"},
        {"service_code": "E0102", "limit": "1"},
        {"bbox": "121.399,31.199,121.404,31.203"},
        {"start_date": "2026-03-02T00:00:00+08:00", "end_date": "2026-03-03T00:00:00+08:00"},
        {"jurisdiction_id": "310105"},
        {"jurisdiction_id": "999999"},
        {"limit": "0"},
    ]
    paths = _paths(case_id, photo_id)
    for path in paths:
        for params in variants:
            responses.append(world.client.get(path, params=params))

    assert len(paths) == 2 * 7 + 1  # seven resources in two formats, and the photos
    # The rate limit's refusal too.
    set_settings(GRIDLOOP_OPEN311_GET_PER_MINUTE="1", GRIDLOOP_PHOTO_DIR=str(photo_dir))
    responses.append(world.client.get(paths[0]))
    assert {response.status_code for response in responses} == {200, 201, 400, 404, 429}
    assert any(response.headers["content-type"] == "image/jpeg" for response in responses)
    for response in responses:
        body = response.content.decode("utf-8", errors="replace")
        headers = str(response.headers)
        for secret in SECRETS:
            assert secret not in body, (response.request.url, secret)
            assert secret not in headers, (response.request.url, secret)
    # They are there, for the staff who call back.
    staff = world.client.get(f"/cases/{case_id}", headers=world["disp1"]).json()
    assert staff["requester"]["phone"] == REQUESTER["phone"]
    assert staff["requester"]["email"] == REQUESTER["email"]

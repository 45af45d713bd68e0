"""Catalog items over HTTP: reading and filtering for every user, admin-only writes, validation
that lists every field, retiring instead of deleting.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories.web import assert_problem

pytestmark = pytest.mark.usefixtures("catalog")

Headers = dict[str, str]


def new_item(**changes: Any) -> dict[str, Any]:
    """A valid item that the seed does not have: event 01 / 98."""
    item: dict[str, Any] = {
        "code": "E0198",
        "kind": "event",
        "big_class_code": "01",
        "small_class_code": "98",
        "name": "共享单车堆积",
        "tier": "A",
        "default_department_type": "grid_center",
        "urgent": False,
        "limits": {
            "register": {"value": 1, "unit": "working_hours"},
            "dispatch": {"value": 1, "unit": "working_hours"},
            "handle": {"value": 4, "unit": "working_hours"},
            "verify": {"value": 0.5, "unit": "working_hours"},
        },
        "filing_condition": "共享单车在公共场所大量堆积，影响通行",
        "closing_standard": "车辆已清运或规整，通道畅通",
    }
    return item | changes


def codes(client: TestClient, headers: Headers, **params: Any) -> list[str]:
    """Every code the list returns for these filters, following the pages."""
    found: list[str] = []
    after: str | None = None
    while True:
        page_params = params | ({"after": after} if after else {})
        response = client.get("/catalog/items", params=page_params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        found += [item["code"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            return found


def error_locations(body: dict[str, Any]) -> set[str]:
    return {error["location"] for error in body["errors"]}


# ----------------------------------------------------------------------------- reading


def test_one_item_reads_with_its_classes_department_and_limits(
    client: TestClient, auditor: Headers
) -> None:
    response = client.get("/catalog/items/E0102", headers=auditor)

    assert response.status_code == 200, response.text
    item = response.json()
    assert item["name"] == "暴露垃圾"
    assert (item["kind"], item["big_class_code"], item["small_class_code"]) == ("event", "01", "02")
    assert item["big_class_name"] == "市容环境"
    assert (item["default_department_type"], item["default_department_name"]) == (
        "lvhua",
        "绿化市容",
    )
    assert item["limits"]["handle"] == {"value": 4, "unit": "working_hours"}
    assert item["limits"]["verify"] == {"value": 0.5, "unit": "working_hours"}
    assert item["retired_at"] is None


@pytest.mark.parametrize("code", ["E0198", "X0101", "e0102", "E01021", "%00"])
def test_an_unknown_code_is_not_found(client: TestClient, auditor: Headers, code: str) -> None:
    assert_problem(client.get(f"/catalog/items/{code}", headers=auditor), 404, "not-found")


def test_reading_the_catalog_needs_a_token(client: TestClient) -> None:
    assert_problem(client.get("/catalog/items"), 401, "unauthenticated")
    assert_problem(client.get("/catalog/items/E0102"), 401, "unauthenticated")


def test_the_list_pages_through_every_item_once_in_code_order(
    client: TestClient, auditor: Headers
) -> None:
    paged = codes(client, auditor, limit=7)

    assert paged == sorted(set(paged))
    assert paged == codes(client, auditor, limit=500)
    assert len(paged) >= 54 + 1 + 40


def test_the_list_filters_by_kind_and_classes(client: TestClient, auditor: Headers) -> None:
    components = codes(client, auditor, kind="component")
    street_order = codes(client, auditor, kind="event", big_class="05")
    one = codes(client, auditor, kind="event", big_class="05", small_class="14")

    assert components
    assert all(code.startswith("C") for code in components)
    assert len(street_order) == 15  # 13 small classes, 其他, and 群租
    assert all(code.startswith("E05") for code in street_order)
    assert one == ["E0514"]


def test_the_list_filters_by_tier_and_department(client: TestClient, auditor: Headers) -> None:
    response = client.get(
        "/catalog/items", params={"tier": "A", "limit": 500}, headers=auditor
    ).json()
    traffic_police = codes(client, auditor, department_type="jiaojing")
    joint_by_police = codes(client, auditor, department_type="jiaojing", tier="D")

    assert response["items"]
    assert {item["tier"] for item in response["items"]} == {"A"}
    assert {"E0201", "E0511"} <= {item["code"] for item in response["items"]}
    assert {"E0505", "E0509"} <= set(traffic_police)
    assert joint_by_police == ["E0509"]  # 黑车拉客


def test_the_chinese_keyword_finds_every_manhole_cover(
    client: TestClient, auditor: Headers
) -> None:
    response = client.get(
        "/catalog/items", params={"q": "井盖", "limit": 500}, headers=auditor
    ).json()

    found = {item["code"]: item for item in response["items"]}
    assert {"C0101", "C0102", "C0103", "C0105", "C0111", "C0114"} <= set(found)
    for item in found.values():
        assert "井盖" in item["name"] + item["filing_condition"] + item["closing_standard"]


def test_a_keyword_with_like_wildcards_matches_them_literally(
    client: TestClient, auditor: Headers
) -> None:
    assert codes(client, auditor, q="%") == []
    assert codes(client, auditor, q="垃圾/树叶") == ["E0115"]


@pytest.mark.parametrize(
    "params",
    [
        {"tier": "E"},
        {"kind": "service"},
        {"department_type": "huanwei"},
        {"big_class": "1"},
        {"limit": 501},
        {"after": "nonsense"},
    ],
)
def test_an_unknown_filter_value_is_a_validation_problem(
    client: TestClient, auditor: Headers, params: dict[str, Any]
) -> None:
    response = client.get("/catalog/items", params=params, headers=auditor)

    assert_problem(response, 422, "validation-error")


def test_the_big_classes_have_their_names(client: TestClient, auditor: Headers) -> None:
    response = client.get("/catalog/classes", headers=auditor)

    assert response.status_code == 200
    classes = {(row["kind"], row["code"]): row["name"] for row in response.json()}
    assert classes[("event", "04")] == "突发事件"
    assert classes[("component", "01")] == "公用设施"
    assert len(classes) == 10


# ----------------------------------------------------------------------------- writing


def test_an_admin_creates_an_item_that_everyone_can_read(
    client: TestClient, admin: Headers, auditor: Headers
) -> None:
    created = client.post("/catalog/items", json=new_item(), headers=admin)

    assert created.status_code == 201, created.text
    assert created.json()["big_class_name"] == "市容环境"
    read = client.get("/catalog/items/E0198", headers=auditor).json()
    assert read == created.json()
    assert "E0198" in codes(client, auditor, tier="A", q="共享单车")


def test_a_taken_code_is_a_conflict(client: TestClient, admin: Headers) -> None:
    response = client.post(
        "/catalog/items",
        json=new_item(code="E0102", small_class_code="02", name="暴露垃圾"),
        headers=admin,
    )

    assert_problem(response, 409, "conflict")


def test_field_problems_are_all_listed(client: TestClient, admin: Headers) -> None:
    limits = new_item()["limits"] | {"handle": {"value": 0, "unit": "fortnights"}}
    response = client.post(
        "/catalog/items",
        json=new_item(tier="E", default_department_type="huanwei", limits=limits),
        headers=admin,
    )

    body = assert_problem(response, 422, "validation-error")
    assert {
        "body.tier",
        "body.default_department_type",
        "body.limits.handle.value",
        "body.limits.handle.unit",
    } <= error_locations(body)


def test_kind_and_class_codes_must_agree_with_the_code(client: TestClient, admin: Headers) -> None:
    response = client.post(
        "/catalog/items",
        json=new_item(kind="component", big_class_code="02", small_class_code="97"),
        headers=admin,
    )

    body = assert_problem(response, 422, "validation-error")
    assert error_locations(body) == {
        "body.kind",
        "body.big_class_code",
        "body.small_class_code",
    }


def test_an_item_needs_an_existing_big_class(client: TestClient, admin: Headers) -> None:
    response = client.post(
        "/catalog/items",
        json=new_item(code="E0901", big_class_code="09", small_class_code="01"),
        headers=admin,
    )

    body = assert_problem(response, 422, "validation-error")
    assert error_locations(body) == {"body.big_class_code"}


def test_an_admin_updates_the_fields_given(client: TestClient, admin: Headers) -> None:
    response = client.patch(
        "/catalog/items/E0102",
        json={"tier": "A", "limits": {"handle": {"value": 3, "unit": "working_hours"}}},
        headers=admin,
    )

    assert response.status_code == 200, response.text
    item = response.json()
    assert item["tier"] == "A"
    assert item["limits"]["handle"] == {"value": 3, "unit": "working_hours"}
    assert item["limits"]["register"] == {"value": 1, "unit": "working_hours"}
    assert item["name"] == "暴露垃圾"
    assert item["updated_at"] is not None
    assert client.get("/catalog/items/E0102", headers=admin).json() == item


def test_an_update_that_changes_nothing_leaves_the_item_untouched(
    client: TestClient, admin: Headers
) -> None:
    response = client.patch(
        "/catalog/items/E0102",
        json={"tier": "B", "limits": {"handle": {"value": "4.00", "unit": "working_hours"}}},
        headers=admin,
    )

    assert response.status_code == 200, response.text
    assert response.json()["updated_at"] is None


@pytest.mark.parametrize(
    ("changes", "locations"),
    [
        ({"limits": {"verify": {"value": 1, "unit": "minutes"}}}, {"body.limits.verify.unit"}),
        (
            {"limits": {"verify": {"value": -1, "unit": "working_hours"}}},
            {"body.limits.verify.value"},
        ),
        ({"default_department_type": "police"}, {"body.default_department_type"}),
        ({"code": "E0103"}, {"body.code"}),
        ({"kind": "component"}, {"body.kind"}),
        ({"name": ""}, {"body.name"}),
        ({"name": None, "tier": None}, {"body.name", "body.tier"}),
        ({"limits": {"handle": None}}, {"body.limits.handle"}),
    ],
)
def test_an_invalid_update_is_refused_and_lists_its_fields(
    client: TestClient, admin: Headers, changes: dict[str, Any], locations: set[str]
) -> None:
    response = client.patch("/catalog/items/E0102", json=changes, headers=admin)

    body = assert_problem(response, 422, "validation-error")
    assert error_locations(body) == locations
    assert client.get("/catalog/items/E0102", headers=admin).json()["updated_at"] is None


def test_updating_an_unknown_item_is_not_found(client: TestClient, admin: Headers) -> None:
    response = client.patch("/catalog/items/E0198", json={"tier": "A"}, headers=admin)

    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize("role", ["auditor", "dispatcher"])
def test_only_an_admin_writes(
    client: TestClient, role: str, request: pytest.FixtureRequest
) -> None:
    headers: Headers = request.getfixturevalue(role)

    assert_problem(
        client.post("/catalog/items", json=new_item(), headers=headers), 403, "forbidden"
    )
    assert_problem(
        client.patch("/catalog/items/E0102", json={"tier": "A"}, headers=headers), 403, "forbidden"
    )
    assert_problem(client.post("/catalog/items/E0102/retire", headers=headers), 403, "forbidden")
    assert client.get("/catalog/items/E0102", headers=headers).json()["tier"] == "B"


# ----------------------------------------------------------------------------- retiring


def test_a_retired_item_stays_readable_but_leaves_the_default_list(
    client: TestClient, admin: Headers, auditor: Headers
) -> None:
    retired = client.post("/catalog/items/C0104/retire", headers=admin)

    assert retired.status_code == 200, retired.text
    assert retired.json()["retired_at"] is not None
    assert client.get("/catalog/items/C0104", headers=auditor).json() == retired.json()
    assert "C0104" not in codes(client, auditor, kind="component")
    assert "C0104" not in codes(client, auditor, q="雨水箅子")
    assert "C0104" in codes(client, auditor, kind="component", include_retired=True)


def test_retiring_twice_keeps_the_first_retirement(client: TestClient, admin: Headers) -> None:
    first = client.post("/catalog/items/C0104/retire", headers=admin).json()
    second = client.post("/catalog/items/C0104/retire", headers=admin)

    assert second.status_code == 200
    assert second.json()["retired_at"] == first["retired_at"]


def test_a_retired_items_code_is_never_reused(client: TestClient, admin: Headers) -> None:
    client.post("/catalog/items/E0513/retire", headers=admin)

    response = client.post(
        "/catalog/items",
        json=new_item(code="E0513", big_class_code="05", small_class_code="13"),
        headers=admin,
    )

    assert_problem(response, 409, "conflict")


def test_retiring_an_unknown_item_is_not_found(client: TestClient, admin: Headers) -> None:
    assert_problem(client.post("/catalog/items/E0198/retire", headers=admin), 404, "not-found")


def test_there_is_no_delete(client: TestClient, admin: Headers) -> None:
    response = client.delete("/catalog/items/E0102", headers=admin)

    assert_problem(response, 405, "method-not-allowed")
    assert client.get("/catalog/items/E0102", headers=admin).status_code == 200

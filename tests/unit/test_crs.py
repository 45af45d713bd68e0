"""WGS-84 / GCJ-02 / BD-09 conversions: known offsets, round trips, and the no-op cases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridloop.geo.crs import (
    Crs,
    bd09_to_gcj02,
    bd09_to_wgs84,
    distance_m,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

SHANGHAI = (121.4, 31.2)
TIANANMEN = (116.391, 39.907)
PARIS = (2.35, 48.85)

# Well inside mainland China, so no point sits on the edge of the obfuscation box.
china_lon = st.floats(min_value=73.5, max_value=135.0, allow_nan=False, allow_infinity=False)
china_lat = st.floats(min_value=18.0, max_value=53.5, allow_nan=False, allow_infinity=False)

ROUND_TRIP_LIMIT_M = 0.5


def test_distance_m_one_degree_of_latitude() -> None:
    assert distance_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(111_195.0, abs=1.0)
    assert distance_m(*SHANGHAI, *SHANGHAI) == 0.0


@pytest.mark.parametrize("point", [SHANGHAI, TIANANMEN])
def test_gcj02_offset_is_hundreds_of_metres(point: tuple[float, float]) -> None:
    gcj = wgs84_to_gcj02(*point)
    assert 100.0 < distance_m(*point, *gcj) < 700.0


@pytest.mark.parametrize("point", [SHANGHAI, TIANANMEN])
def test_bd09_is_further_offset_from_gcj02(point: tuple[float, float]) -> None:
    gcj = wgs84_to_gcj02(*point)
    bd = gcj02_to_bd09(*gcj)
    assert 100.0 < distance_m(*gcj, *bd) < 1500.0
    assert wgs84_to_bd09(*point) == bd


def test_tiananmen_reference_value() -> None:
    # Reference values from the widely used published implementation (e.g. coordTransform).
    lon, lat = wgs84_to_gcj02(*TIANANMEN)
    assert lon == pytest.approx(116.39724, abs=2e-5)
    assert lat == pytest.approx(39.90840, abs=2e-5)


def test_outside_china_is_identity() -> None:
    assert wgs84_to_gcj02(*PARIS) == PARIS
    assert gcj02_to_wgs84(*PARIS) == PARIS


@pytest.mark.parametrize("crs", list(Crs))
def test_wgs84_crs_is_identity_and_dispatch_matches(crs: Crs) -> None:
    assert to_wgs84(*SHANGHAI, Crs.WGS84) == SHANGHAI
    assert from_wgs84(*SHANGHAI, Crs.WGS84) == SHANGHAI
    there = from_wgs84(*SHANGHAI, crs)
    back = to_wgs84(*there, crs)
    assert distance_m(*SHANGHAI, *back) < 0.001


def test_crs_values() -> None:
    assert Crs("gcj02") is Crs.GCJ02
    assert str(Crs.BD09) == "bd09"


@settings(max_examples=500, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_round_trip_from_wgs84(lon: float, lat: float) -> None:
    via_gcj = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    via_bd = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert distance_m(lon, lat, *via_gcj) < ROUND_TRIP_LIMIT_M
    assert distance_m(lon, lat, *via_bd) < ROUND_TRIP_LIMIT_M


@settings(max_examples=500, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_round_trip_to_wgs84(lon: float, lat: float) -> None:
    via_gcj = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    via_bd = wgs84_to_bd09(*bd09_to_wgs84(lon, lat))
    assert distance_m(lon, lat, *via_gcj) < ROUND_TRIP_LIMIT_M
    assert distance_m(lon, lat, *via_bd) < ROUND_TRIP_LIMIT_M


@settings(max_examples=500, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_bd09_gcj02_round_trip_under_a_millimetre(lon: float, lat: float) -> None:
    there = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    back = gcj02_to_bd09(*bd09_to_gcj02(lon, lat))
    assert distance_m(lon, lat, *there) < 0.001
    assert distance_m(lon, lat, *back) < 0.001

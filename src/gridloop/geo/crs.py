"""Conversions between the three coordinate systems a Chinese city service meets.

Phones and most map SDKs in mainland China report GCJ-02 (the state-mandated obfuscated datum),
Baidu's SDKs report BD-09 (a further offset on top of GCJ-02), while the database keeps
everything in WGS-84 so that PostGIS geometry, distances and imported boundaries agree.
Coordinates are therefore converted to WGS-84 on the way in and back to the client's system on
the way out. Pure Python on purpose: it runs per request and per imported point, with no
database or numpy needed.

All functions take and return (lon, lat) in degrees, matching GeoJSON/PostGIS axis order.
"""

from __future__ import annotations

import math
from enum import StrEnum

__all__ = [
    "Crs",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "distance_m",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


# GCJ-02 is defined on the Krasovsky 1940 ellipsoid, not WGS-84's; the published algorithm
# uses these constants verbatim, so they must not be "corrected".
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323

# Baidu's published constant: an angle scale applied before its extra rotation/offset.
_X_PI = math.pi * 3000.0 / 180.0

# Rough box the obfuscation is applied in; outside it real-world GCJ-02 data equals WGS-84,
# so applying the offset there would move foreign points for no reason.
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)

# ~0.1 mm at the equator: far below GPS noise, still reachable in a handful of iterations.
_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 30

# Mean Earth radius (IUGG R1), the conventional choice for haversine.
_EARTH_RADIUS_M = 6371008.8


def _in_china(lon: float, lat: float) -> bool:
    return _CHINA_LON[0] <= lon <= _CHINA_LON[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1]


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if not _in_china(lon, lat):
        return lon, lat
    # The polynomials are expressed relative to an origin at (105E, 35N).
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    # Turn the metre-ish offsets into degrees using the ellipsoid's meridional and
    # prime-vertical radii of curvature at this latitude.
    dlat = (dlat * 180.0) / (
        (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi
    )
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    # No closed-form inverse exists. The offset varies slowly (its Jacobian is close to the
    # identity), so the fixed-point iteration "subtract the forward error" converges fast.
    guess_lon, guess_lat = lon, lat
    for _ in range(_MAX_ITERATIONS):
        fwd_lon, fwd_lat = wgs84_to_gcj02(guess_lon, guess_lat)
        err_lon, err_lat = fwd_lon - lon, fwd_lat - lat
        if abs(err_lon) < _TOLERANCE_DEG and abs(err_lat) < _TOLERANCE_DEG:
            break
        guess_lon -= err_lon
        guess_lat -= err_lat
    return guess_lon, guess_lat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon: float, lat: float) -> tuple[float, float]:
    x = lon - 0.0065
    y = lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    # Baidu's published inverse is only approximate (errors of a few decimetres to metres), so
    # refine it against the exact forward formula; the Jacobian is near the identity, hence a
    # plain correction step is an adequate Newton update.
    guess_lon, guess_lat = _bd09_to_gcj02_approx(lon, lat)
    for _ in range(_MAX_ITERATIONS):
        fwd_lon, fwd_lat = gcj02_to_bd09(guess_lon, guess_lat)
        err_lon, err_lat = fwd_lon - lon, fwd_lat - lat
        if abs(err_lon) < _TOLERANCE_DEG and abs(err_lat) < _TOLERANCE_DEG:
            break
        guess_lon -= err_lon
        guess_lat -= err_lat
    return guess_lon, guess_lat


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: float, lat: float, crs: Crs) -> tuple[float, float]:
    match crs:
        case Crs.WGS84:
            return lon, lat
        case Crs.GCJ02:
            return gcj02_to_wgs84(lon, lat)
        case Crs.BD09:
            return bd09_to_wgs84(lon, lat)


def from_wgs84(lon: float, lat: float, crs: Crs) -> tuple[float, float]:
    match crs:
        case Crs.WGS84:
            return lon, lat
        case Crs.GCJ02:
            return wgs84_to_gcj02(lon, lat)
        case Crs.BD09:
            return wgs84_to_bd09(lon, lat)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2.0) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2.0) ** 2
    # Clamp: rounding can push h a hair above 1 for antipodal points, making asin fail.
    return 2.0 * _EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))

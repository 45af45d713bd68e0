"""Where a webhook may go: loopback, link-local, private and other non-public addresses are
refused unless `GRIDLOOP_WEBHOOK_ALLOW_PRIVATE` is set, checked on every address the name
resolves to, at every attempt (a name may change its answer)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class AddressRefused(Exception):
    """The receiver's address is not one a webhook may reach."""


def _non_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _non_public(address.ipv4_mapped)
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    )


def check(url: str, *, allow_private: bool) -> None:
    """Raise AddressRefused unless every address of the URL's host may be reached."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"not an http(s) URL: {url}")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise AddressRefused(f"{parts.hostname} does not resolve: {error}") from error
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if _non_public(address):
            raise AddressRefused(f"{parts.hostname} is {address}, not a public address")

"""Standard Webhooks signatures (https://www.standardwebhooks.com): pure, no I/O.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`, signed with HMAC-SHA256 under
the secret's bytes (the base64 after `whsec_`), sent as `v1,<base64>`; several signatures
(during a secret rotation) are separated by spaces and a receiver accepts any of them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A new signing secret, `whsec_` and 32 random bytes in base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of the body."""
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(
    secrets_in_use: list[str], *, message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three headers of a signed request; one signature per secret in use."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id=message_id, timestamp=timestamp, body=body)
            for secret in secrets_in_use
        ),
    }

"""Standard Webhooks signatures as an off-the-shelf verifier checks them, the outbound address
guard, and where the event stream may pass a missing event id."""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gridloop.events import outbound, signing, stream

BODY = b'{"type":"case.dispatch"}'


def _headers(*secrets: str) -> dict[str, str]:
    return signing.headers(list(secrets), message_id="evt_7", timestamp=int(time.time()), body=BODY)


def test_a_signature_verifies_with_standardwebhooks() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert Webhook(secret).verify(BODY, _headers(secret)) == {"type": "case.dispatch"}


def test_during_a_rotation_either_secret_verifies_and_no_other() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    headers = _headers(new, old)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(BODY, headers)
    Webhook(new).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(BODY + b" ", headers)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.9/hook",
        "http://172.20.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://8.8.8.8/hook",
    ],
)
def test_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(outbound.AddressRefused):
        outbound.check(url, allow_private=False)


def test_a_public_address_passes_and_a_setting_allows_loopback() -> None:
    outbound.check("https://8.8.8.8/hook", allow_private=False)
    outbound.check("http://127.0.0.1:9/hook", allow_private=True)


def test_the_stream_waits_at_a_missing_id_then_passes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("gridloop.events.stream.time.monotonic", lambda: clock[0])
    cursor = stream._Cursor(10)
    assert cursor.settled([11, 12, 14, 15]) == 12
    cursor.after = 12
    clock[0] += stream.GAP_SECONDS / 2
    assert cursor.settled([14, 15]) == 12
    assert cursor.settled([13, 14, 15]) == 15  # the missing one committed: all in order
    cursor = stream._Cursor(12)
    assert cursor.settled([14]) == 12
    clock[0] += stream.GAP_SECONDS
    assert cursor.settled([14]) == 14  # rolled back: never comes

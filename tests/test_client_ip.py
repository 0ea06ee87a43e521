"""The client address behind reverse proxies: one function for the audit log and the lock-out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse

from reclass_volunteers.client_ip import client_ip
from reclass_volunteers.models import AuditEvent
from tests.conftest import World


def _request(remote: str, forwarded: str | None = None) -> Any:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_proxies_the_header_is_ignored(settings: Any) -> None:
    settings.PROXY_COUNT = 0
    assert client_ip(_request("10.0.0.5", "203.0.113.7")) == "10.0.0.5"


@pytest.mark.parametrize(
    ("forwarded", "proxies", "expected"),
    [
        ("203.0.113.7", 1, "203.0.113.7"),
        # The client wrote the left-most entry itself: only the proxy's own entry counts.
        ("198.51.100.1, 203.0.113.7", 1, "203.0.113.7"),
        ("198.51.100.1, 203.0.113.7, 10.0.0.9", 2, "203.0.113.7"),
        # Fewer hops than proxies, or garbage: fall back to the connecting address.
        ("203.0.113.7", 2, "10.0.0.5"),
        ("not-an-address", 1, "10.0.0.5"),
        ("", 1, "10.0.0.5"),
    ],
)
def test_behind_proxies_the_right_hop_is_the_client(
    settings: Any, forwarded: str, proxies: int, expected: str
) -> None:
    settings.PROXY_COUNT = proxies
    assert client_ip(_request("10.0.0.5", forwarded)) == expected


def test_failed_login_is_audited_and_locked_out_by_the_forwarded_address(
    world: World, settings: Any
) -> None:
    from django.test import Client

    settings.PROXY_COUNT = 1
    http = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        http.post(reverse("login"), {"username": world.coordinator.email, "password": "wrong"})
    event = AuditEvent.objects.filter(action="auth.login", result="failure").latest("id")
    assert event.remote_addr == "203.0.113.7"

    # Another client behind the same proxy is not locked out by the first one's failures.
    other = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    from tests.factories import PASSWORD

    response = other.post(
        reverse("login"), {"username": world.coordinator.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    locked = http.post(
        reverse("login"), {"username": world.coordinator.email, "password": PASSWORD}
    )
    assert locked.status_code != 302

"""The demo coordinator sees a volunteer's birthday coming up on the home page, makes the
suggested message their own and sends it: the volunteer receives exactly those words, the
moment leaves the open list, and the Content Security Policy blocked nothing."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from reclass_volunteers.management.commands.seed_demo import DEMO_PASSWORD
from reclass_volunteers.models import Notification, User
from tests.e2e.conftest import Tab
from tests.e2e.test_login_journey import log_in
from volunteers.models import AttentionItem
from volunteers.services.attention import KIND
from volunteers.sweeps_attention import appreciation_moments

pytestmark = pytest.mark.e2e

# Screenshots to look at after a run: /tmp/attention-*.png.
SHOTS = Path(tempfile.gettempdir())
MESSAGE = "Lieve Anna, van harte gefeliciteerd! Zullen we volgende week samen koffie drinken?"


def test_a_coordinator_sends_a_birthday_message_from_home(open_tab: Callable[..., Tab]) -> None:
    # The demo makes Anna's birthday due the day after tomorrow; the sweep turns it into an
    # item (a no-op when the demo already ran it).
    appreciation_moments(timezone.now())
    coordinator = User.objects.get(email="coordinator@oost.demo")
    item = AttentionItem.objects.get(
        organisation=coordinator.organisation,
        volunteer__first_name="Anna",
        kind=AttentionItem.Kind.BIRTHDAY,
        status=AttentionItem.Status.OPEN,
    )
    anna = item.volunteer.user
    assert anna is not None

    tab = open_tab(width=1280, height=900)
    page = tab.page
    tab.goto("/")
    log_in(page, "coordinator@oost.demo", DEMO_PASSWORD)
    expect(page).to_have_url(tab.base_url + "/")
    card = page.locator(f"#attention-{item.pk}")
    expect(card).to_be_visible()
    message = card.locator("textarea")
    expect(message).to_have_value(item.suggested_message)
    message.fill(MESSAGE)
    card.screenshot(path=SHOTS / "attention-home-card.png")
    page.screenshot(path=SHOTS / "attention-home.png", full_page=True)
    card.locator("button[type=submit]:not([formaction])").click()

    expect(page).to_have_url(tab.base_url + "/")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(f"#attention-{item.pk}")).to_have_count(0)
    item.refresh_from_db()
    assert (item.status, item.message, item.handled_by) == (
        AttentionItem.Status.SENT,
        MESSAGE,
        coordinator,
    )
    assert Notification.objects.get(kind=KIND, recipient=anna).body == MESSAGE

    tab.goto(reverse("volunteers:attention_list") + "?status=open")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(f"#attention-{item.pk}")).to_have_count(0)
    page.screenshot(path=SHOTS / "attention-list.png", full_page=True)
    assert tab.csp_violations() == []
    assert tab.page_errors == []

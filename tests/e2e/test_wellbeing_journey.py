"""A volunteer answers a well-being check-in on a phone (390 px): the home page offers it, a
form sent without answers keeps the page and says what is missing, and a low answer thanks
them, says a coordinator will contact them and alerts the coordinators."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from reclass_volunteers.management.commands.seed_demo import DEMO_PASSWORD
from reclass_volunteers.models import Notification, User
from supervision.models import WellbeingCheckIn
from tests.e2e.conftest import SCREENSHOTS, Tab
from tests.e2e.test_login_journey import log_in

pytestmark = pytest.mark.e2e

ANSWERS = {"overall": "2", "burden": "3", "support": "4", "surroundings": "1"}


def test_a_volunteer_answers_a_low_check_in_on_a_phone(open_tab: Callable[..., Tab]) -> None:
    volunteer = User.objects.get(email="volunteer@oost.demo").volunteer_profile
    checkin = WellbeingCheckIn.objects.create(
        organisation=volunteer.organisation, volunteer=volunteer, due_on=timezone.localdate()
    )

    tab = open_tab(width=390, height=844, is_mobile=True)
    page = tab.page
    tab.goto("/")
    log_in(page, "volunteer@oost.demo", DEMO_PASSWORD)
    page.get_by_role("link", name="Vul de check-in in").click()
    answer_url = reverse("supervision:wellbeing_answer", args=[checkin.pk])
    expect(page).to_have_url(tab.base_url + answer_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Nothing chosen: the page stays, with a message at every question, and nothing is stored.
    page.get_by_role("button", name="Verstuur mijn antwoorden").click()
    expect(page.get_by_text("Kies een getal van 1 tot en met 5.")).to_have_count(4)
    checkin.refresh_from_db()
    assert checkin.answered_at is None

    for name, value in ANSWERS.items():
        page.locator(f"input[name={name}][value='{value}'] + label").click()
    page.get_by_label("Wil je ons nog iets anders vertellen?").fill("Buren praten over mijn werk.")
    page.get_by_role("button", name="Verstuur mijn antwoorden").click()
    expect(
        page.get_by_role("heading", name="Je coördinator neemt contact met je op")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOTS / "wellbeing-phone.png", full_page=True)

    checkin.refresh_from_db()
    assert (checkin.overall, checkin.surroundings) == (2, 1)
    assert checkin.alerted_at is not None
    alerted = set(
        Notification.objects.filter(kind="wellbeing.low").values_list("recipient__email", flat=True)
    )
    assert alerted == {"coordinator@oost.demo"}
    assert tab.csp_violations() == []
    assert tab.page_errors == []

"""A volunteer answers an intervision invitation on a phone-sized screen (390 px): the page
fits the screen, the Content Security Policy blocks nothing and the answer is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from reclass_volunteers.management.commands.seed_demo import DEMO_PASSWORD
from reclass_volunteers.models import Role, User
from supervision.models import IntervisionGroup, IntervisionInvitation, IntervisionSession
from tests.e2e.conftest import SCREENSHOTS, Tab
from tests.e2e.test_login_journey import log_in

pytestmark = pytest.mark.e2e


def test_a_volunteer_answers_an_invitation_on_a_phone(open_tab: Callable[..., Tab]) -> None:
    volunteer_user = User.objects.get(email="volunteer@oost.demo")
    volunteer = volunteer_user.volunteer_profile
    facilitator = User.objects.filter(
        organisation=volunteer.organisation, role=Role.PROFESSIONAL
    ).first()
    assert facilitator is not None
    group = IntervisionGroup.objects.create(
        organisation=volunteer.organisation, name="Maatjes Oost (test)", facilitator=facilitator
    )
    group.members.add(volunteer)
    session = IntervisionSession.objects.create(
        group=group,
        starts_at=timezone.now() + timedelta(days=5),
        place="Buurthuis De Ster, Enschede",
        topic="Een cadeautje, een kleine betaling, een gunst: waar trek jij de grens?",
    )
    invitation = IntervisionInvitation.objects.create(session=session, volunteer=volunteer)

    tab = open_tab(width=390, height=844, is_mobile=True)
    page = tab.page
    mine = reverse("supervision:intervision_mine")
    tab.goto(mine)
    log_in(page, "volunteer@oost.demo", DEMO_PASSWORD)
    expect(page).to_have_url(tab.base_url + mine)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    rsvp = reverse("supervision:intervision_rsvp", args=[invitation.pk])
    page.locator(f"form[action='{rsvp}'] input[value=yes] + button").click()
    expect(page).to_have_url(tab.base_url + mine)
    expect(page.locator(".alert-success")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOTS / "intervision-phone.png", full_page=True)
    invitation.refresh_from_db()
    assert invitation.answer == IntervisionInvitation.Answer.YES
    assert tab.csp_violations() == []
    assert tab.page_errors == []

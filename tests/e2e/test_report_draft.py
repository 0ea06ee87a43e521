"""A volunteer on a phone writes a long contact report, their session expires before they send
it, and after logging in again the text is still there (static/js/drafts.js). Once the report
has arrived, the draft is forgotten.

Fields are found by their name, links by their address; the journey does not hang on wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from matching.models import Match
from reclass_volunteers.management.commands.seed_demo import DEMO_PASSWORD
from supervision.models import ContactReport
from tests.e2e.conftest import SCREENSHOTS, Tab
from tests.e2e.test_login_journey import log_in

pytestmark = pytest.mark.e2e

LONG_TEXT = (
    "We zijn samen naar de gemeente geweest voor de uitkering. Hij was zenuwachtig maar het "
    "gesprek ging goed. Daarna hebben we koffie gedronken en over zijn dochter gepraat."
)


def test_a_draft_survives_an_expired_session(open_tab: Callable[..., Tab]) -> None:
    tab = open_tab(width=390, height=844, is_mobile=True)
    page = tab.page
    portal = reverse("supervision:portal")

    before = set(ContactReport.objects.values_list("pk", flat=True))
    tab.goto(portal)
    log_in(page, "volunteer@oost.demo", DEMO_PASSWORD)
    expect(page).to_have_url(tab.base_url + portal)
    match = Match.objects.get(memberships__volunteer__user__email="volunteer@oost.demo")
    form_url = reverse("supervision:report_create", args=[match.pk])
    # Phone first: the page is not wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOTS / "portal-phone.png", full_page=True)

    page.locator(f"a[href='{form_url}']").click()
    expect(page).to_have_url(tab.base_url + form_url)
    page.locator("input[name=duration_minutes]").fill("75")
    page.locator("input[name=kind][value=accompanying]").check()
    page.locator("input[name=activities][value=accompanying]").check()
    page.locator("input[name=how_it_went][value='4']").check()
    page.locator("textarea[name=notes]").fill(LONG_TEXT)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOTS / "report-form-phone.png", full_page=True)

    # The session ends while the volunteer is still writing; the form's post goes to log-in.
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    page.locator("form[data-draft] button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(tab.base_url) + r"/inloggen/"))
    assert set(ContactReport.objects.values_list("pk", flat=True)) == before

    log_in(page, "volunteer@oost.demo", DEMO_PASSWORD)
    expect(page).to_have_url(tab.base_url + form_url)
    expect(page.locator("textarea[name=notes]")).to_have_value(LONG_TEXT)
    expect(page.locator("input[name=duration_minutes]")).to_have_value("75")
    expect(page.locator("input[name=kind][value=accompanying]")).to_be_checked()
    expect(page.locator("input[name=how_it_went][value='4']")).to_be_checked()
    expect(page.locator("[data-draft-notice]")).to_be_visible()

    page.locator("form[data-draft] button[type=submit]").click()
    expect(page).to_have_url(tab.base_url + portal)
    report = ContactReport.objects.exclude(pk__in=before).get()
    assert (report.notes, report.duration_minutes, report.kind) == (
        LONG_TEXT,
        75,
        "accompanying",
    )
    assert report.activities == ["accompanying"]

    # Sent: the draft is forgotten, the form is empty again.
    drafts = page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('draft:'))")
    assert drafts == []
    tab.goto(form_url)
    expect(page.locator("textarea[name=notes]")).to_have_value("")
    expect(page.locator("[data-draft-notice]")).to_be_hidden()
    assert tab.csp_violations() == []
    assert tab.page_errors == []

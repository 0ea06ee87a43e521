"""Issue 4 in a real browser: the demo coordinator finds a volunteer for the waiting client
Lars Peters (OOST-002), reads why the system suggests them, makes the match and takes it
through the introduction to an active match.

Forms are found by their address and fields by their name, so the journey does not hang on
the wording of buttons; what the coordinator reads is checked in Dutch.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client
from matching.models import Match
from reclass_volunteers.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.conftest import SCREENSHOTS, Tab
from tests.e2e.test_login_journey import log_in

pytestmark = pytest.mark.e2e


def test_coordinator_takes_a_waiting_client_to_an_active_match(
    open_tab: Callable[..., Tab],
) -> None:
    tab = open_tab(width=1280, height=900)
    page = tab.page
    lars = Client.objects.get(code="OOST-002")
    assert lars.status == Client.Status.WAITING

    tab.goto("/")
    log_in(page, "coordinator@oost.demo", DEMO_PASSWORD)
    expect(page).to_have_url(tab.base_url + "/")

    # The client list, searched for "Peters": Lars is the only one, and he is waiting.
    client_list = reverse("clients:client_list")
    page.locator(f"nav a[href='{client_list}']").first.click()
    page.locator("input[name=q]").fill("Peters")
    page.locator("input[name=q]").press("Enter")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Wachtend")
    rows.first.get_by_role("link", name="OOST-002").click()
    expect(page).to_have_url(tab.base_url + reverse("clients:client_detail", args=[lars.pk]))
    expect(page.locator("main")).to_contain_text("Huisvesting vinden")

    # The suggestions, with their explanation in plain Dutch.
    suggestions = reverse("matching:client_suggestions", args=[lars.pk])
    page.locator(f"a[href='{suggestions}']").first.click()
    expect(page).to_have_url(tab.base_url + suggestions)
    main = page.locator("main")
    expect(main).to_contain_text("Gerrit Hoekstra")
    expect(main).to_contain_text("km")
    expect(main).to_contain_text("Spreekt")
    page.screenshot(path=SCREENSHOTS / "matching-suggestions.png", full_page=True)

    # Taking someone else than the best suggestion without a reason is refused, input kept.
    form = page.locator("form[method=post]").filter(has=page.locator("input[name=volunteers]"))
    checkboxes = form.locator("input[name=volunteers]")
    expect(checkboxes.first).to_be_visible()
    checkboxes.nth(1).check()
    form.locator("textarea[name=goals]").fill("Een eigen woning en de administratie op orde.")
    form.locator("button[type=submit]").last.click()
    expect(page).to_have_url(tab.base_url + suggestions)
    expect(page.locator("main")).to_contain_text("Schrijf op waarom")
    expect(page.locator("textarea[name=goals]")).to_have_value(
        "Een eigen woning en de administratie op orde."
    )
    assert not Match.objects.filter(client=lars).exists()

    # The best suggestion: the match is made.
    form = page.locator("form[method=post]").filter(has=page.locator("input[name=volunteers]"))
    form.locator("input[name=volunteers]").nth(1).uncheck()
    form.locator("input[name=volunteers]").first.check()
    form.locator("button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(re.escape(tab.base_url) + r"/koppelingen/\d+/$"))
    match = Match.objects.get(client=lars)
    assert match.status == Match.Status.PROPOSED
    assert [v.full_name for v in match.volunteers.all()] == ["Gerrit Hoekstra"]
    expect(page.locator("main h1 + p .badge")).to_have_text("Voorgesteld")

    # Introduction, then the start.
    advance = page.locator(f"form[action='{reverse('matching:match_advance', args=[match.pk])}']")
    advance.locator("button[type=submit]").click()
    expect(page.locator("main h1 + p .badge")).to_have_text("Kennismaking")
    advance.locator("input[name=started_on]").fill(f"{timezone.localdate():%Y-%m-%d}")
    advance.locator("button[type=submit]").click()
    expect(page.locator("main h1 + p .badge")).to_have_text("Actief")
    page.screenshot(path=SCREENSHOTS / "matching-active.png", full_page=True)

    match.refresh_from_db()
    lars.refresh_from_db()
    assert (match.status, match.started_on) == (Match.Status.ACTIVE, timezone.localdate())
    assert lars.status == Client.Status.MATCHED
    assert tab.csp_violations() == []
    assert tab.page_errors == []


def test_a_client_is_referred_and_the_partner_accepts(open_tab: Callable[..., Tab]) -> None:
    tab = open_tab(width=1280, height=900)
    page = tab.page
    mo = Client.objects.get(code="OOST-003")

    tab.goto("/")
    log_in(page, "coordinator@oost.demo", DEMO_PASSWORD)
    tab.goto(reverse("clients:client_detail", args=[mo.pk]))
    create = reverse("matching:referral_create", args=[mo.pk])
    page.locator(f"a[href='{create}']").first.click()
    expect(page).to_have_url(tab.base_url + create)

    # Without the consent box ticked nothing is sent, and the question typed is kept.
    form = page.locator("main form[method=post]").last
    form.locator("select[name=partner]").select_option(label="Humanitas Maatjes")
    form.locator("textarea[name=question]").fill("Een maatje voor werk en een nieuw netwerk.")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(tab.base_url + create)
    expect(page.locator("textarea[name=question]")).to_have_value(
        "Een maatje voor werk en een nieuw netwerk."
    )
    assert not mo.referrals.exists()

    page.locator("input[name=consent_confirmed]").check()
    page.locator("main form[method=post]").last.locator("button[type=submit]").click()
    expect(page).to_have_url(
        re.compile(re.escape(tab.base_url) + r"/koppelingen/verwijzingen/\d+/$")
    )
    referral = mo.referrals.get()
    expect(page.locator("main")).to_contain_text("Pieter Bos")  # final responsibility
    page.screenshot(path=SCREENSHOTS / "referral-sent.png", full_page=True)

    # The partner's coordinator sees it, without the client's surname, and accepts.
    page.context.clear_cookies()
    tab.goto("/")
    log_in(page, "coordinator@humanitas.demo", DEMO_PASSWORD)
    tab.goto(reverse("matching:referral_list") + "?tab=received")
    detail = reverse("matching:referral_detail", args=[referral.pk])
    page.locator(f"main a[href='{detail}']").first.click()
    expect(page.locator("main")).to_contain_text("Een maatje voor werk en een nieuw netwerk.")
    expect(page.locator("main")).to_contain_text("Pieter Bos")
    expect(page.locator("main")).not_to_contain_text("Haddou")
    accept = reverse("matching:referral_accept", args=[referral.pk])
    page.locator(f"form[action='{accept}'] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / "referral-accepted.png", full_page=True)

    referral.refresh_from_db()
    mo.refresh_from_db()
    assert referral.status == referral.Status.ACCEPTED
    assert mo.status == Client.Status.REFERRED
    assert tab.csp_violations() == []
    assert tab.page_errors == []

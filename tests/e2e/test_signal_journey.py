"""Issue 5 in a real browser: the demo volunteer Anna de Vries reports a HIGH relapse signal
about Kees (OOST-001) on a phone; choosing "acute" first shows whom to call. The responsible
professional is told at once, finds the signal, and acknowledges it with the action taken;
Anna then sees that it is being handled, without the professional's action.

Forms and fields are found by their address and name, so the journey does not hang on the
wording of buttons.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from reclass_volunteers.management.commands.seed_demo import DEMO_PASSWORD
from reclass_volunteers.models import Notification, User
from supervision.models import RelapseSignal, Severity
from tests.e2e.conftest import SCREENSHOTS, Tab
from tests.e2e.test_login_journey import log_in

pytestmark = pytest.mark.e2e

OBSERVATION = "Kees kwam niet naar onze afspraak en zei aan de telefoon dat hij weer drinkt."
ACTION = "Kees gebeld; morgen om 10 uur een gesprek op kantoor."


def test_a_volunteer_reports_a_high_signal_and_the_professional_acknowledges_it(
    open_tab: Callable[..., Tab],
) -> None:
    phone = open_tab(width=390, height=844, is_mobile=True)
    page = phone.page
    professional = User.objects.get(email="professional@oost.demo")

    phone.goto("/")
    log_in(page, "volunteer@oost.demo", DEMO_PASSWORD)
    expect(page).to_have_url(phone.base_url + "/")
    report = reverse("supervision:signal_report")
    phone.goto(report)
    form = page.locator("form#signal-form")
    expect(form).to_contain_text("Kees")
    expect(form).not_to_contain_text("OOST-001")

    # Acute first: whom to call appears before anything is sent, and goes again for "high".
    advice = page.locator("#acute-advice")
    expect(advice).to_be_hidden()
    form.locator("input[name=severity][value=acute]").check()
    expect(advice).to_be_visible()
    expect(advice.locator(f"a[href='tel:{professional.phone}']")).to_be_visible()
    expect(advice.locator("a[href='tel:112']")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "signal-acute-advice-phone.png", full_page=True)
    form.locator("input[name=severity][value=high]").check()
    expect(advice).to_be_hidden()

    form.locator("select[name=category]").select_option("substance_use")
    form.locator("input[name=observed_at]").fill(
        f"{timezone.localtime() - timedelta(hours=2):%Y-%m-%dT%H:%M}"
    )
    form.locator("textarea[name=observation]").fill(OBSERVATION)
    # Phone first: nothing sticks out sideways on a 390 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOTS / "signal-report-phone.png", full_page=True)

    # The session runs out while she writes: after logging in again the text is still there.
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    form.locator("button[type=submit]").click()
    expect(page.get_by_label("Wachtwoord")).to_be_visible()
    assert not RelapseSignal.objects.exists()
    log_in(page, "volunteer@oost.demo", DEMO_PASSWORD)
    expect(page).to_have_url(phone.base_url + report)
    expect(form.locator("textarea[name=observation]")).to_have_value(OBSERVATION)
    expect(form.locator("input[name=severity][value=high]")).to_be_checked()
    expect(form.locator("select[name=category]")).to_have_value("substance_use")
    expect(advice).to_be_hidden()
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(re.escape(phone.base_url) + r"/begeleiding/signalen/\d+/$"))
    expect(page.locator(".alert-success")).to_have_count(1)
    expect(page.locator("#signal-status .badge")).to_have_class(re.compile("text-bg-light"))
    signal = RelapseSignal.objects.get(observation=OBSERVATION)
    assert (signal.severity, signal.professional) == (Severity.HIGH, professional)
    assert Notification.objects.filter(
        kind="signal.reported", recipient=professional, subject_id=str(signal.pk)
    ).exists()
    page.screenshot(path=SCREENSHOTS / "signal-received-phone.png", full_page=True)
    # The draft is forgotten once the signal arrived.
    volunteer = User.objects.get(email="volunteer@oost.demo")
    assert page.evaluate(f"localStorage.getItem('draft:u{volunteer.pk}-signal')") is None

    # The professional, at a desk: told at once, the signal on top of the open list.
    desk = open_tab(width=1280, height=900)
    office = desk.page
    desk.goto("/")
    log_in(office, "professional@oost.demo", DEMO_PASSWORD)
    desk.goto(reverse("notification_list"))
    expect(office.locator("main")).to_contain_text("OOST-001")
    desk.goto(reverse("supervision:signal_list"))
    detail = reverse("supervision:signal_detail", args=[signal.pk])
    first_row = office.locator("table tbody tr").first
    expect(first_row).to_contain_text("OOST-001")
    expect(first_row).to_contain_text("Anna de Vries")
    office.screenshot(path=SCREENSHOTS / "signal-list-professional.png", full_page=True)
    first_row.locator(f"a[href='{detail}']").click()
    expect(office).to_have_url(desk.base_url + detail)
    expect(office.locator("#signal-observation")).to_have_text(OBSERVATION)

    acknowledge = office.locator(
        f"form[action='{reverse('supervision:signal_acknowledge', args=[signal.pk])}']"
    )
    # Without the action taken nothing is recorded.
    acknowledge.locator("button[type=submit]").click()
    expect(office.locator("textarea[name=action_taken].is-invalid")).to_have_count(1)
    signal.refresh_from_db()
    assert signal.is_open
    office.locator("textarea[name=action_taken]").fill(ACTION)
    office.locator("textarea[name=action_taken]").locator("xpath=ancestor::form").locator(
        "button[type=submit]"
    ).click()
    expect(office).to_have_url(desk.base_url + detail)
    expect(office.locator(".alert-success")).to_have_count(1)
    expect(office.locator("#signal-action")).to_have_text(ACTION)
    office.screenshot(path=SCREENSHOTS / "signal-acknowledged-professional.png", full_page=True)
    signal.refresh_from_db()
    assert (signal.acknowledged_by, signal.action_taken) == (professional, ACTION)

    # Back on the phone: being handled, and nothing of what the professional wrote.
    page.reload()
    expect(page.locator("#signal-status .badge")).to_have_class(re.compile("text-bg-success"))
    expect(page.locator("main")).not_to_contain_text("gesprek op kantoor")
    page.screenshot(path=SCREENSHOTS / "signal-handled-phone.png", full_page=True)

    for tab in (phone, desk):
        assert tab.csp_violations() == []
        assert tab.page_errors == []

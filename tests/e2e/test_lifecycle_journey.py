"""A volunteer's whole lifecycle in a real browser: the demo coordinator takes the applicant
Eva Smit from applied to active, and later to farewell.

The pipeline steps are found by their form's address, fields by their name and sections by
their id, so the journey does not hang on the wording of buttons. The stages are matched in
Dutch, as the coordinator reads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from reclass_volunteers.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.conftest import SCREENSHOTS, Tab
from tests.e2e.test_login_journey import log_in
from volunteers.models import Enrolment, TrainingSession

pytestmark = pytest.mark.e2e

BASIC_TRAINING = "Basistraining vrijwilliger"

# The stages as the page shows them in Dutch, in the order the coordinator takes Eva through.
APPLIED = "Aangemeld"
INTAKE_PLANNED = "Intake gepland"
INTAKE_DONE = "Intake gehouden"
SCREENING = "Screening"
TRAINING = "Training"
ACTIVE = "Actief"
FAREWELL = "Afscheid"


def url(name: str, pk: int) -> str:
    return reverse(f"volunteers:{name}", kwargs={"pk": pk})


class VolunteerPage:
    """Eva's page, and the pipeline steps on it, each a form posting to its own address."""

    def __init__(self, tab: Tab, pk: int) -> None:
        self.tab = tab
        self.page: Page = tab.page
        self.pk = pk
        self.path = url("volunteer_detail", pk)

    def expect_open(self) -> None:
        # A step redirects to the page's stage panel: …/<pk>/#stage.
        address = re.escape(self.tab.base_url + self.path) + r"(#stage)?$"
        expect(self.page).to_have_url(re.compile(address))

    def expect_stage(self, label: str) -> None:
        self.expect_open()
        expect(self.page.locator("#stage .badge")).to_have_text(label)
        expect(self.page.locator("main header .badge").first).to_have_text(label)

    def step(self, name: str) -> Locator:
        return self.page.locator(f"form[action='{url('pipeline_' + name, self.pk)}']")

    def open_step(self, name: str) -> Locator:
        """The step's form; a step with fields is folded in a <details>, which is opened."""
        form = self.step(name)
        expect(form).to_have_count(1)
        details = self.page.locator("#stage details").filter(has=form)
        if details.count():
            details.locator("summary").click()
        expect(form).to_be_visible()
        return form

    def submit(self, form: Locator) -> None:
        form.locator("button[type=submit]").click()

    def expect_offered(self, *names: str) -> None:
        """Exactly these steps are on the panel (the supervision plan aside)."""
        actions = self.page.locator("#stage form[action*='/fase/']")
        expect(actions).to_have_count(len(names))
        for name in names:
            expect(self.step(name)).to_have_count(1)

    def timeline(self) -> Locator:
        return self.page.locator("section[aria-labelledby=timeline-heading] li")


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_coordinator_takes_an_applicant_from_applied_to_farewell(
    open_tab: Callable[..., Tab],
) -> None:
    tab = open_tab(width=1280, height=800)
    page = tab.page
    today = timezone.localdate()

    tab.goto("/")
    log_in(page, "coordinator@oost.demo", DEMO_PASSWORD)
    expect(page).to_have_url(tab.base_url + "/")

    # The volunteer list, searched for "Smit": Eva is the only one.
    volunteer_list = reverse("volunteers:volunteer_list")
    page.locator(f"nav a[href='{volunteer_list}']").first.click()
    expect(page).to_have_url(tab.base_url + volunteer_list)
    page.locator("input[name=q]").fill("Smit")
    page.locator("input[name=q]").press("Enter")
    expect(page).to_have_url(re.compile(r"\?.*q=Smit"))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(1)).to_have_text(APPLIED)
    rows.first.get_by_role("link", name="Eva Smit", exact=True).click()
    match = re.search(r"/(\d+)/$", page.url)
    assert match, page.url
    eva = VolunteerPage(tab, int(match.group(1)))
    expect(page.get_by_role("heading", level=1)).to_have_text("Eva Smit")
    eva.expect_stage(APPLIED)
    eva.expect_offered("intake_plan", "reject", "farewell")

    # Plan the intake.
    form = eva.open_step("intake_plan")
    expect(form.locator("input[name=expected_status]")).to_have_value("applied")
    form.locator("input[name=planned_at]").fill(f"{today:%Y-%m-%d}T09:30")
    form.locator("input[name=location]").fill("Kantoor Enschede")
    eva.submit(form)
    eva.expect_stage(INTAKE_PLANNED)
    expect(page.locator(".alert-success")).to_have_count(1)
    expect(page.locator("#stage")).to_contain_text("Kantoor Enschede")
    expect(page.locator("#stage")).to_contain_text("09:30")

    # Record the intake: a score per competency, an own impression, the decision to proceed.
    form = eva.open_step("intake_record")
    expect(form.locator("input[name=held_on]")).to_have_value(f"{today:%Y-%m-%d}")
    scores = form.locator("select[name^=score_]")
    expect(scores).to_have_count(4)  # the demo organisation's four competencies
    for index in range(4):
        scores.nth(index).select_option(str(index + 2))
    form.locator("textarea[name=impression]").fill("Rustig, luistert goed, stelt goede vragen.")
    form.locator("input[name=decision][value=proceed]").check()
    eva.submit(form)
    eva.expect_stage(INTAKE_DONE)

    # Start screening: a step without fields, a plain button.
    eva.expect_offered("screening_start", "reject", "farewell")
    eva.submit(eva.step("screening_start"))
    eva.expect_stage(SCREENING)
    # Training cannot start yet: the certificate and the references are missing.
    expect(page.locator("#pipeline-blockers li")).to_have_count(2)
    training_start = eva.step("training_start").locator("button[type=submit]")
    expect(training_start).to_be_disabled()

    # A wrong input on purpose: a certificate issued tomorrow. The error is shown next to the
    # field, nothing is recorded, the stage stays.
    form = eva.open_step("certificate")
    form.locator("input[name=requested_on]").fill(f"{today - timedelta(days=14):%Y-%m-%d}")
    form.locator("input[name=issued_on]").fill(f"{today + timedelta(days=1):%Y-%m-%d}")
    form.locator("input[name=screening_areas]").fill("08")
    form.locator("input[name=function_aspects]").fill("84, 85")
    eva.submit(form)
    expect(page).to_have_url(tab.base_url + url("pipeline_certificate", eva.pk))
    issued = page.locator("input[name=issued_on]")
    expect(issued).to_have_class(re.compile(r"\bis-invalid\b"))
    # The only error on the page, inside the issue date's field (crispy's #div_id_… wrapper).
    error = page.locator(".invalid-feedback")
    expect(error).to_have_count(1)
    expect(page.locator(f"#div_{issued.get_attribute('id')} .invalid-feedback")).to_be_visible()
    expect(error).to_have_text("De datum van afgifte kan niet in de toekomst liggen.")
    expect(page.locator("main .badge")).to_have_text(SCREENING)
    # What was typed is kept, so only the date needs correcting.
    expect(page.locator("input[name=screening_areas]")).to_have_value("08")
    shoot(page, "lifecycle-certificate-error")

    # Corrected on the same page: issued today.
    issued.fill(f"{today:%Y-%m-%d}")
    page.locator(f"main form[action='{url('pipeline_certificate', eva.pk)}']").locator(
        "button[type=submit]"
    ).click()
    eva.expect_stage(SCREENING)
    certificates = page.locator("#stage ul.list-unstyled li")
    expect(certificates).to_have_count(1)
    expect(certificates).to_contain_text("08")
    expect(certificates).to_contain_text("84, 85")
    expect(page.locator("#pipeline-blockers li")).to_have_count(1)  # the references

    # The references.
    form = eva.open_step("references")
    expect(form.locator("input[name=checked_on]")).to_have_value(f"{today:%Y-%m-%d}")
    form.locator("textarea[name=note]").fill("Twee referenten gebeld, beiden positief.")
    eva.submit(form)
    eva.expect_stage(SCREENING)
    expect(page.locator("#pipeline-blockers")).to_have_count(0)

    # Start training: the role is required, so the browser will not send the form without one.
    form = eva.open_step("training_start")
    role = form.locator("select[name=role]")
    expect(role).to_have_value("")
    expect(role).to_have_attribute("required", "")
    assert form.evaluate("form => form.checkValidity()") is False
    assert role.evaluate("select => select.validity.valueMissing") is True
    role.select_option("buddy")
    eva.submit(form)
    eva.expect_stage(TRAINING)

    # Activate is blocked: the buddy role requires the basic training, which is named.
    blockers = page.locator("#pipeline-blockers li")
    expect(blockers).to_have_count(1)
    expect(blockers).to_contain_text(BASIC_TRAINING)
    activate = eva.step("activate").locator("button[type=submit]")
    expect(activate).to_be_disabled()
    expect(activate).to_have_attribute("aria-describedby", "pipeline-blockers")
    shoot(page, "lifecycle-activation-blocked")

    # The upcoming session of the basic training, from the training panel on her page.
    session = TrainingSession.objects.get(
        course__name=BASIC_TRAINING, starts_at__gte=timezone.now()
    )
    session_path = reverse("volunteers:session_detail", kwargs={"pk": session.pk})
    page.locator(f"section[aria-labelledby=training-heading] a[href='{session_path}']").click()
    expect(page).to_have_url(tab.base_url + session_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(BASIC_TRAINING)
    enrol = page.locator(f"form[action='{reverse('volunteers:session_enrol', args=[session.pk])}']")
    enrol.locator("select[name=volunteer]").select_option(str(eva.pk))
    enrol.locator("button[type=submit]").click()
    expect(page).to_have_url(tab.base_url + session_path)
    enrolled = page.locator("ul.list-group li").filter(has=page.locator(f"a[href='{eva.path}']"))
    expect(enrolled).to_have_count(1)  # the page after the enrolment: she has a place
    expect(enrolled.locator(".badge.text-bg-secondary")).to_have_count(1)
    enrolment = Enrolment.objects.get(session=session, volunteer_id=eva.pk)
    assert enrolment.status == Enrolment.Status.ENROLLED
    complete_path = reverse("volunteers:enrolment_complete", args=[enrolment.pk])
    complete = page.locator(f"form[action='{complete_path}']")
    # Completion can only be recorded once the session has taken place, three weeks from now.
    expect(complete).to_have_count(0)

    # Three weeks pass: the session took place this morning. (The only step outside the
    # browser: the live server cannot be sent forward in time.)
    TrainingSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    page.reload()
    expect(complete).to_have_count(1)
    complete.locator("input[name=completed_on]").fill(f"{today:%Y-%m-%d}")
    complete.locator("button[type=submit]").click()
    expect(page).to_have_url(tab.base_url + session_path)
    expect(enrolled.locator(".badge.text-bg-success")).to_have_count(1)
    expect(complete.locator("input[name=completed_on]")).to_have_value(f"{today:%Y-%m-%d}")
    shoot(page, "lifecycle-training-completed")

    # Back on her page: nothing is missing, activate.
    enrolled.locator(f"a[href='{eva.path}']").click()
    eva.expect_stage(TRAINING)
    expect(page.locator("#pipeline-blockers")).to_have_count(0)
    expect(activate).to_be_enabled()
    eva.submit(eva.step("activate"))
    eva.expect_stage(ACTIVE)
    eva.expect_offered("certificate", "pause", "farewell")

    # Later: the farewell, with the exit conversation.
    form = eva.open_step("farewell")
    expect(form.locator("input[name=held_on]")).to_have_value(f"{today:%Y-%m-%d}")
    form.locator("select[name=reason]").select_option("moved")
    form.locator("textarea[name=reason_text]").fill("Verhuisd naar Groningen.")
    form.locator("textarea[name=went_well]").fill("De training en de begeleiding.")
    form.locator("input[name=would_recommend][value=yes]").check()
    eva.submit(form)
    eva.expect_stage(FAREWELL)
    eva.expect_offered()
    expect(page.locator("#stage dl")).to_contain_text("De training en de begeleiding.")

    # The thank-you letter is a PDF.
    letter_path = url("pipeline_farewell_letter", eva.pk)
    expect(page.locator(f"#stage a[href='{letter_path}']")).to_be_visible()
    letter = page.request.get(tab.base_url + letter_path)
    assert letter.status == 200
    assert letter.headers["content-type"] == "application/pdf"
    assert letter.headers["content-disposition"].startswith("attachment;")
    assert letter.body().startswith(b"%PDF")

    # The timeline lists every step, newest first.
    timeline = eva.timeline()
    moves = [text for text in timeline.all_inner_texts() if "→" in text]
    expected = [
        (APPLIED, INTAKE_PLANNED),
        (INTAKE_PLANNED, INTAKE_DONE),
        (INTAKE_DONE, SCREENING),
        (SCREENING, TRAINING),
        (TRAINING, ACTIVE),
        (ACTIVE, FAREWELL),
    ][::-1]
    assert len(moves) == len(expected), moves
    for text, (before, after) in zip(moves, expected, strict=True):
        assert f"{before} → {after}" in text, moves
    for detail in (
        "Door naar screening",  # the intake's decision
        "08",
        "84, 85",
        "Twee referenten gebeld",
        BASIC_TRAINING,
        "Groningen",
    ):
        expect(page.locator("section[aria-labelledby=timeline-heading]")).to_contain_text(detail)
    shoot(page, "lifecycle-farewell")

    assert tab.page_errors == []
    assert tab.csp_violations() == []

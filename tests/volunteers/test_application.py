"""The public application form: no log-in, Dutch input rules, spam protection, the outbox."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse

from reclass_volunteers.dutch_formats import normalise_phone, normalise_postcode, split_languages
from reclass_volunteers.models import Notification, Role
from tests.conftest import World
from tests.factories import UserFactory, VolunteerFactory
from tests.volunteers.factories_application import VolunteerPolicyFactory, application_data
from volunteers.models import Application, StatusChange, Volunteer, VolunteerPolicy
from volunteers.services.pipeline import APPLICATIONS_PER_HOUR, sender_hash, volunteer_apply

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
SENDER = "203.0.113.7"


@pytest.fixture(autouse=True)
def _frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def policy(world: World) -> VolunteerPolicy:
    return VolunteerPolicyFactory(organisation=world.org_a, minimum_age=18)


def apply_url(organisation_id: int) -> str:
    return reverse("volunteers:apply", kwargs={"organisation_id": organisation_id})


def post(organisation_id: int, data: dict[str, Any], sender: str = SENDER) -> Any:
    return HttpClient(REMOTE_ADDR=sender).post(apply_url(organisation_id), data)


def applied_count() -> tuple[int, int, int]:
    return (
        Volunteer.objects.filter(status=Volunteer.Status.APPLIED).count(),
        Application.objects.count(),
        Notification.objects.count(),
    )


# --- The page ---------------------------------------------------------------------------------


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.honeypot_wrapper: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.fields.append(attributes)
        if tag == "label" and attributes.get("for"):
            self.labels.add(str(attributes["for"]))
        if tag == "div" and "hp-field" in (attributes.get("class") or "").split():
            self.honeypot_wrapper = attributes


def test_form_renders_for_anonymous_visitors_in_dutch_with_a_label_on_every_input(
    world: World, policy: VolunteerPolicy, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(2):
        response = HttpClient().get(apply_url(world.org_a.pk))

    assert response.status_code == 200
    assert response["Content-Language"] == "nl"
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert world.org_a.name in html
    parser = _Inputs()
    parser.feed(html)
    names = {field["name"] for field in parser.fields}
    form_fields = set(response.context["form"].fields)
    assert form_fields <= names  # "language" of the footer's switch is the only other one
    unlabelled = [field["name"] for field in parser.fields if field.get("id") not in parser.labels]
    assert unlabelled == []
    # 21 availability cells: 7 days by 3 parts of the day, each with a label of its own.
    slots = [f["value"] for f in parser.fields if f["name"] == "availability"]
    assert len(slots) == 21 and "mon_morning" in slots and "sun_evening" in slots
    # The honeypot is out of sight, out of the tab order and not filled in by the browser.
    honeypot = next(f for f in parser.fields if f["name"] == "website")
    assert honeypot["tabindex"] == "-1" and honeypot["autocomplete"] == "off"
    assert parser.honeypot_wrapper is not None
    assert parser.honeypot_wrapper["aria-hidden"] == "true"
    privacy = reverse("volunteers:privacy_statement", kwargs={"organisation_id": world.org_a.pk})
    assert f'href="{privacy}"' in html


def test_the_form_writes_nothing_on_get(world: World) -> None:
    """A visitor's GET does not even create the organisation's policy row."""
    response = HttpClient().get(apply_url(world.org_a.pk))

    assert response.status_code == 200
    assert not VolunteerPolicy.objects.filter(organisation=world.org_a).exists()


def test_privacy_statement_is_public_and_shows_the_organisations_version(
    world: World, policy: VolunteerPolicy
) -> None:
    url = reverse("volunteers:privacy_statement", kwargs={"organisation_id": world.org_a.pk})

    response = HttpClient().get(url)

    assert response.status_code == 200
    assert "2026-2" in response.content.decode()
    assert world.org_a.name in response.content.decode()


@pytest.mark.parametrize("name", ["apply", "apply_thanks", "privacy_statement"])
def test_an_unknown_organisation_is_404(world: World, name: str) -> None:
    missing = world.org_a.pk + world.org_b.pk + 1000
    url = reverse(f"volunteers:{name}", kwargs={"organisation_id": missing})

    assert HttpClient().get(url).status_code == 404


def test_another_organisations_id_is_its_own_form(world: World) -> None:
    """Each organisation has its own public form; applying to B puts the volunteer in B and
    tells B's coordinator, never A's."""
    response = post(world.org_b.pk, application_data())

    assert response.status_code == 302
    volunteer = Volunteer.objects.get(email="anna.devries@example.nl")
    assert volunteer.organisation == world.org_b
    assert Notification.objects.filter(recipient=world.outsider).count() == 1
    assert not Notification.objects.filter(recipient=world.coordinator).exists()


# --- A valid application ----------------------------------------------------------------------


def test_a_valid_application_creates_the_volunteer_and_tells_the_right_people(
    world: World,
    policy: VolunteerPolicy,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    second_coordinator = UserFactory(organisation=world.org_a, role=Role.COORDINATOR)
    UserFactory(organisation=world.org_a, role=Role.COORDINATOR, is_active=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(world.org_a.pk, application_data())

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "volunteers:apply_thanks", kwargs={"organisation_id": world.org_a.pk}
    )
    volunteer = Volunteer.objects.get(email="anna.devries@example.nl")
    assert volunteer.organisation == world.org_a
    assert volunteer.status == Volunteer.Status.APPLIED
    assert (volunteer.first_name, volunteer.last_name) == ("Anna", "de Vries")
    assert volunteer.phone == "06 12345678"
    assert volunteer.postcode == "3511 AB"
    assert volunteer.city == "Utrecht"
    assert volunteer.date_of_birth is not None and volunteer.date_of_birth.isoformat() == (
        "1961-05-01"
    )
    assert volunteer.languages == ["Nederlands", "Engels"]
    assert volunteer.motives == ["meaningful_time", "safer_society"]
    assert volunteer.motivation_text == "Ik wil iets betekenen."
    assert volunteer.availability == ["mon_evening", "sat_morning"]
    assert volunteer.activity_preferences == ["practical", "social"]
    assert volunteer.roles_of_interest == ["buddy"]
    assert volunteer.willing_sex_offences is True
    assert volunteer.privacy_consent_version == "2026-2"
    assert volunteer.privacy_consent_at == NOW
    assert volunteer.user is None

    change = StatusChange.objects.get(volunteer=volunteer)
    assert (change.from_status, change.to_status) == ("", Volunteer.Status.APPLIED)
    application = Application.objects.get(volunteer=volunteer)
    assert application.sender_hash == sender_hash(SENDER)
    assert SENDER not in str(application.answers)
    assert "website" not in application.answers
    assert application.answers["postcode"] == "3511 AB"

    # One confirmation to the applicant, through the outbox; the coordinators of A are told,
    # nobody else (not the admin, not the professional, not B's coordinator).
    assert callbacks
    to_applicant = [m for m in mail.outbox if m.to == ["anna.devries@example.nl"]]
    assert len(to_applicant) == 1
    assert world.org_a.name in to_applicant[0].subject
    told = set(
        Notification.objects.filter(kind="volunteer.applied").values_list("recipient", flat=True)
    )
    assert told == {world.coordinator.pk, second_coordinator.pk}
    assert {m.to[0] for m in mail.outbox} == {
        "anna.devries@example.nl",
        world.coordinator.email,
        second_coordinator.email,
    }


def test_the_thank_you_page_is_public(world: World) -> None:
    url = reverse("volunteers:apply_thanks", kwargs={"organisation_id": world.org_a.pk})

    response = HttpClient().get(url)

    assert response.status_code == 200
    assert world.org_a.name in response.content.decode()


def test_a_volunteer_of_exactly_the_minimum_age_is_welcome(
    world: World, policy: VolunteerPolicy
) -> None:
    response = post(world.org_a.pk, application_data(date_of_birth="2008-06-15"))

    assert response.status_code == 302
    assert Volunteer.objects.filter(email="anna.devries@example.nl").exists()


def test_the_policys_minimum_age_is_what_counts(world: World) -> None:
    VolunteerPolicyFactory(organisation=world.org_a, minimum_age=16)

    response = post(world.org_a.pk, application_data(date_of_birth="2009-06-15"))

    assert response.status_code == 302
    assert Volunteer.objects.filter(email="anna.devries@example.nl").exists()


def test_applying_again_with_the_same_email_adds_to_the_existing_volunteer(
    world: World, policy: VolunteerPolicy, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert post(world.org_a.pk, application_data()).status_code == 302
        again = application_data(email="Anna.DeVries@Example.nl", motivation_text="Nog steeds!")
        assert post(world.org_a.pk, again, sender="198.51.100.9").status_code == 302

    assert Volunteer.objects.filter(email__iexact="anna.devries@example.nl").count() == 1
    volunteer = Volunteer.objects.get(email="anna.devries@example.nl")
    assert volunteer.applications.count() == 2
    assert volunteer.motivation_text == "Ik wil iets betekenen."  # the record is not overwritten
    latest = volunteer.applications.order_by("-pk").first()
    assert latest is not None and latest.answers["motivation_text"] == "Nog steeds!"
    again_note = Notification.objects.get(kind="volunteer.applied_again")
    assert again_note.recipient == world.coordinator
    assert "Anna de Vries" in again_note.title


def test_the_same_email_at_another_organisation_is_another_volunteer(
    world: World, policy: VolunteerPolicy
) -> None:
    assert post(world.org_a.pk, application_data()).status_code == 302
    assert post(world.org_b.pk, application_data()).status_code == 302

    assert Volunteer.objects.filter(email="anna.devries@example.nl").count() == 2


def test_posted_extra_fields_change_nothing(world: World, policy: VolunteerPolicy) -> None:
    data = application_data(
        status="active", organisation=str(world.org_b.pk), user=str(world.admin.pk), role="buddy"
    )

    assert post(world.org_a.pk, data).status_code == 302

    volunteer = Volunteer.objects.get(email="anna.devries@example.nl")
    assert volunteer.organisation == world.org_a
    assert volunteer.status == Volunteer.Status.APPLIED
    assert volunteer.user is None and volunteer.role == ""


# --- Spam protection -------------------------------------------------------------------------


def test_a_filled_honeypot_shows_the_thanks_and_saves_nothing(
    world: World, policy: VolunteerPolicy, django_capture_on_commit_callbacks: Any
) -> None:
    before = applied_count()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(world.org_a.pk, application_data(website="https://spam.example"))

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "volunteers:apply_thanks", kwargs={"organisation_id": world.org_a.pk}
    )
    assert applied_count() == before
    assert mail.outbox == []


def test_the_sixth_application_in_an_hour_from_one_address_is_refused(
    world: World, policy: VolunteerPolicy, time_machine: Any
) -> None:
    for n in range(APPLICATIONS_PER_HOUR):
        response = post(world.org_a.pk, application_data(email=f"person{n}@example.nl"))
        assert response.status_code == 302
    before = applied_count()

    response = post(world.org_a.pk, application_data(email="sixth@example.nl"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors()
    assert "sixth@example.nl" in response.content.decode()  # what was typed is kept
    assert applied_count() == before
    assert not Volunteer.objects.filter(email="sixth@example.nl").exists()
    # Another address is not held back, and an hour later this one may apply again.
    assert (
        post(world.org_a.pk, application_data(email="other@example.nl"), "192.0.2.1").status_code
        == 302
    )
    time_machine.move_to(NOW + timedelta(hours=1, minutes=1), tick=False)
    assert post(world.org_a.pk, application_data(email="sixth@example.nl")).status_code == 302


# --- Bad input ----------------------------------------------------------------------------------


BAD_INPUT = [
    ("postcode", {"postcode": "12345"}),
    ("postcode", {"postcode": "0123 AB"}),
    ("postcode", {"postcode": "1234 SS"}),
    ("postcode", {"postcode": "1234 A"}),
    ("email", {"email": "anna@"}),
    ("email", {"email": "anna.example.nl"}),
    ("phone", {"phone": "12345"}),
    ("phone", {"phone": "06 1234 567"}),
    ("phone", {"phone": "+32 2 123 45 67"}),
    ("phone", {"phone": "0900 1234567"}),
    ("phone", {"phone": "06-abcdefgh"}),
    ("date_of_birth", {"date_of_birth": "2026-06-16"}),  # tomorrow
    ("date_of_birth", {"date_of_birth": "2008-06-16"}),  # 18 tomorrow: too young today
    ("date_of_birth", {"date_of_birth": "1850-01-01"}),
    ("date_of_birth", {"date_of_birth": "31-02-1980"}),
    ("privacy_consent", {"privacy_consent": None}),
    ("availability", {"availability": None}),
    ("availability", {"availability": ["mon_night"]}),
    ("motives", {"motives": ["money"]}),
    ("roles_of_interest", {"roles_of_interest": ["boss"]}),
    ("willing_sex_offences", {"willing_sex_offences": None}),
    ("motivation_text", {"motives": ["other"], "motivation_text": ""}),
    ("first_name", {"first_name": "   "}),
]


@pytest.mark.parametrize(("field", "overrides"), BAD_INPUT)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(
    world: World,
    policy: VolunteerPolicy,
    field: str,
    overrides: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    before = applied_count()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(world.org_a.pk, application_data(**overrides))

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {field}
    assert applied_count() == before
    assert mail.outbox == []
    html = response.content.decode()
    # The error is shown at the field, and nothing else the applicant typed is lost.
    assert f'id="id_{field}' in html
    assert "is-invalid" in html or field in ("availability",)
    assert 'value="Utrecht"' in html
    assert 'value="mon_evening" id="id_availability_mon_evening" checked' in html or (
        field == "availability"
    )
    assert "Ik wil iets betekenen." in html or field == "motivation_text"


def test_too_young_is_told_together_with_the_other_mistakes(
    world: World, policy: VolunteerPolicy
) -> None:
    response = post(world.org_a.pk, application_data(date_of_birth="2010-01-01", postcode="12345"))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"date_of_birth", "postcode"}
    assert "18" in errors["date_of_birth"][0]
    assert not Volunteer.objects.filter(email="anna.devries@example.nl").exists()


def test_the_service_refuses_too_young_applicants_on_its_own(
    world: World, policy: VolunteerPolicy
) -> None:
    """The form is not the only guard: the service checks the minimum age itself."""
    answers = {
        "first_name": "Jong",
        "last_name": "Mens",
        "email": "jong@example.nl",
        "date_of_birth": date(2010, 1, 1),
    }

    with pytest.raises(ValidationError) as refused:
        volunteer_apply(organisation=world.org_a, answers=answers, sender=SENDER)

    assert list(refused.value.message_dict) == ["date_of_birth"]
    assert not Volunteer.objects.filter(email="jong@example.nl").exists()
    assert not Application.objects.exists()


# --- Closed ----------------------------------------------------------------------------------


def test_closed_applications_show_a_clear_page_and_save_nothing(world: World) -> None:
    VolunteerPolicyFactory(organisation=world.org_a, applications_open=False)
    before = applied_count()

    page = HttpClient().get(apply_url(world.org_a.pk))
    sent = post(world.org_a.pk, application_data())

    for response in (page, sent):
        assert response.status_code == 200
        assert response.templates[0].name == "volunteers/apply_closed.html"
        assert "form" not in response.context
    assert applied_count() == before


# --- Normalising ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0612345678", "06 12345678"),
        ("06-12345678", "06 12345678"),
        ("06 1234 5678", "06 12345678"),
        ("+31 6 12345678", "06 12345678"),
        ("+31 (0)6 1234 5678", "06 12345678"),
        ("0031612345678", "06 12345678"),
        ("020-1234567", "020 1234567"),
        ("(010) 123 45 67", "010 1234567"),
        ("+31 30 123 4567", "030 1234567"),
        ("0511-123456", "0511 123456"),
        ("088.123.4567", "088 1234567"),
        ("0512 34 56 78", "0512 345678"),
        ("612345678", None),
        ("06123456789", None),
        ("+44 20 7946 0000", None),
        ("0800 1234567", None),
        ("0031 0800 12345", None),
        ("", None),
    ],
)
def test_phone_numbers_are_normalised_the_dutch_way(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234AB", "1234 AB"),
        ("1234 ab", "1234 AB"),
        (" 1234  Ab ", "1234 AB"),
        ("9999 ZZ", "9999 ZZ"),
        ("0123 AB", None),
        ("1234 SA", None),
        ("1234 SD", None),
        ("123 AB", None),
        ("1234-AB", None),
        ("AB 1234", None),
    ],
)
def test_postcodes_are_normalised(raw: str, expected: str | None) -> None:
    assert normalise_postcode(raw) == expected


def test_languages_become_a_list_without_duplicates() -> None:
    assert split_languages(" nederlands,Engels ;  arabisch\nENGELS,, ") == [
        "Nederlands",
        "Engels",
        "Arabisch",
    ]
    assert split_languages("") == []


def test_the_personas_volunteer_is_untouched_by_applications(
    world: World, policy: VolunteerPolicy
) -> None:
    """An application with a persona's e-mail lands on that record, never changes its stage."""
    existing = VolunteerFactory(organisation=world.org_a, email="known@example.nl")

    assert post(world.org_a.pk, application_data(email="known@example.nl")).status_code == 302

    existing.refresh_from_db()
    assert existing.status == Volunteer.Status.ACTIVE
    assert existing.applications.count() == 1


def test_an_empty_post_shows_what_is_required_and_saves_nothing(
    world: World, policy: VolunteerPolicy
) -> None:
    before = applied_count()

    response = post(world.org_a.pk, {})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"first_name", "email", "postcode", "availability", "privacy_consent"} <= set(errors)
    assert applied_count() == before


def test_the_form_page_is_not_cached(world: World) -> None:
    response = HttpClient().get(apply_url(world.org_a.pk))

    assert "no-store" in response["Cache-Control"]

"""The volunteer list: search, filters worked out in the database (region, missing training,
certificate running out), sorting, pagination, CSV export, and a fixed number of queries for
10 or 1,000 volunteers."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import time_machine
from django.db.models import F, Value
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from reclass_volunteers.models import AuditEvent, Role
from tests.conftest import World, client_for
from tests.factories import UserFactory, VolunteerFactory
from tests.volunteers.factories_profiles import certificate, complete, course, enrol, require
from volunteers import pipeline
from volunteers.choices import VolunteerRole
from volunteers.models import Certificate, Enrolment, Volunteer, VolunteerPolicy
from volunteers.models.screening import _add_months
from volunteers.services.profiles import AddMonths

S = Volunteer.Status
URL = "volunteers:volunteer_list"
TODAY = date(2026, 3, 15)
FROZEN = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.get_fixed_timezone(60))


def _rows(response: Any) -> list[Volunteer]:
    return list(response.context["page"].object_list)


def _pks(response: Any) -> list[int]:
    return [v.pk for v in _rows(response)]


def _get(world: World, **params: str) -> Any:
    response = client_for(world.coordinator).get(reverse(URL), params)
    assert response.status_code == 200
    return response


# --- Search and simple filters --------------------------------------------------------------


def test_search_by_name_email_and_postcode_with_or_without_space(world: World) -> None:
    # The world's own volunteers get fixed names: a random one ("Appelman") would match.
    for existing in Volunteer.objects.all():
        existing.first_name, existing.last_name = "Vera", "Vos"
        existing.email, existing.postcode = f"v{existing.pk}@example.org", "9999 ZZ"
        existing.save()
    aart = VolunteerFactory(
        organisation=world.org_a, first_name="Aart", last_name="Appel", postcode="7411 AB"
    )
    bea = VolunteerFactory(
        organisation=world.org_a, email="bea.zoek@voorbeeld.nl", postcode="1012AB"
    )
    VolunteerFactory(organisation=world.org_b, first_name="Aart", postcode="7411 AB")

    assert _pks(_get(world, q="AART")) == [aart.pk]
    assert _pks(_get(world, q="appel")) == [aart.pk]
    assert _pks(_get(world, q="zoek@voorbeeld")) == [bea.pk]
    assert _pks(_get(world, q="7411AB")) == [aart.pk]
    assert _pks(_get(world, q="1012 ab")) == [bea.pk]
    assert _pks(_get(world, q="niemand")) == []


def test_filter_by_stage_and_role(world: World) -> None:
    buddy = VolunteerFactory(organisation=world.org_a, role=VolunteerRole.BUDDY)
    expert = VolunteerFactory(
        organisation=world.org_a, role=VolunteerRole.EXPERIENCE_EXPERT, status=S.TRAINING
    )
    VolunteerFactory(organisation=world.org_b, role=VolunteerRole.EXPERIENCE_EXPERT)

    assert _pks(_get(world, role=VolunteerRole.EXPERIENCE_EXPERT)) == [expert.pk]
    assert set(_pks(_get(world, role=VolunteerRole.BUDDY))) == {buddy.pk}
    assert _pks(_get(world, status=S.TRAINING)) == [expert.pk]
    assert _pks(_get(world, status=S.TRAINING, role=VolunteerRole.BUDDY)) == []


def test_region_is_the_first_two_digits_and_lists_own_regions_only(world: World) -> None:
    Volunteer.objects.filter(pk=world.volunteer.pk).update(postcode="7511 AB")
    enschede = VolunteerFactory(organisation=world.org_a, postcode="7522 NB")
    amsterdam = VolunteerFactory(organisation=world.org_a, postcode="1012 AB")
    VolunteerFactory(organisation=world.org_a, postcode="")
    VolunteerFactory(organisation=world.org_b, postcode="9711 AA")

    response = _get(world, region="75")
    assert set(_pks(response)) == {world.volunteer.pk, enschede.pk}
    assert _pks(_get(world, region="10")) == [amsterdam.pk]
    # The choices are the regions of the coordinator's own volunteers; B's 97 is not offered
    # and, asked for anyway, is not applied.
    choices = [value for value, _label in response.context["form"].fields["region"].choices]
    assert choices == ["", "10", "75"]
    content = response.content.decode()
    assert '<option value="75" selected>75xx</option>' in content
    assert "97xx" not in content
    assert len(_rows(_get(world, region="97"))) == 4


def test_unknown_filter_values_are_ignored(world: World) -> None:
    response = _get(world, status="nonsense", role="pilot", sort="shoe-size", region="x")
    assert len(_rows(response)) == 1
    assert "status" in response.context["form"].errors


def test_a_professional_filters_within_their_own_scope(world: World) -> None:
    VolunteerFactory(organisation=world.org_a, last_name="Buitenbeeld")
    mine = VolunteerFactory(
        organisation=world.org_a, supervisor=world.professional, status=S.PAUSED
    )
    http = client_for(world.professional)
    response = http.get(reverse(URL))
    assert set(_pks(response)) == {world.volunteer.pk, mine.pk}
    assert "Buitenbeeld" not in response.content.decode()
    assert _pks(http.get(reverse(URL), {"status": S.PAUSED})) == [mine.pk]
    # No export and no group message for professionals.
    assert reverse("volunteers:volunteer_export") not in response.content.decode()
    assert reverse("volunteers:group_message") not in response.content.decode()


# --- Missing required training, in SQL ------------------------------------------------------


@time_machine.travel(FROZEN, tick=False)
def test_missing_training_filter_matches_the_pipeline_rules(world: World) -> None:
    org = world.org_a
    basic = course(org, "Basistraining")
    refresher = course(org, "Opfriscursus", validity_months=12)
    require(org, VolunteerRole.BUDDY, basic, refresher)
    foreign_course = course(world.org_b, "Andere training")
    require(world.org_b, VolunteerRole.BUDDY, foreign_course)

    def buddy(name: str) -> Volunteer:
        return VolunteerFactory(organisation=org, last_name=name, role=VolunteerRole.BUDDY)

    complete_one = buddy("Compleet")
    complete(complete_one, basic, date(2024, 1, 10))
    complete(complete_one, refresher, date(2025, 6, 1))
    expired = buddy("Verlopen")
    complete(expired, basic, date(2024, 1, 10))
    complete(expired, refresher, date(2025, 3, 15))  # 12 months: ran out today
    renewed = buddy("Vernieuwd")
    complete(renewed, basic, date(2024, 1, 10))
    complete(renewed, refresher, date(2024, 1, 10))
    complete(renewed, refresher, date(2026, 1, 10))
    half = buddy("Half")
    complete(half, basic, date(2024, 1, 10))
    enrolled = buddy("Ingeschreven")
    enrol(enrolled, basic, date(2026, 4, 1), Enrolment.Status.ENROLLED)
    enrol(enrolled, refresher, date(2026, 2, 1), Enrolment.Status.ATTENDED)
    # Another organisation's completion of a course with the same name does not count.
    other_course = buddy("Anderecursus")
    complete(other_course, course(world.org_b, "Basistraining"), date(2025, 1, 1))
    complete(other_course, refresher, date(2025, 6, 1))
    no_profile = VolunteerFactory(
        organisation=org, last_name="Geenprofiel", role=VolunteerRole.CIRCLE_MEMBER
    )
    no_role = VolunteerFactory(organisation=org, last_name="Geenrol", role="")

    response = _get(world, missing_training="on")
    expected = {expired.pk, half.pk, enrolled.pk, other_course.pk}
    assert set(_pks(response)) == expected
    assert complete_one.pk not in _pks(response)

    # The database and volunteers.pipeline agree on every volunteer.
    everyone = [complete_one, expired, renewed, half, enrolled, other_course, no_profile, no_role]
    for volunteer in everyone:
        states = pipeline.course_states(volunteer, pipeline.required_courses(volunteer))
        assert (volunteer.pk in expected) == any(not s.is_valid for s in states), volunteer
    # The list marks the row too.
    all_rows = {v.pk: v for v in _rows(_get(world))}
    assert all_rows[half.pk].missing_training is True
    assert all_rows[renewed.pk].missing_training is False


def test_add_months_agrees_with_the_python_rule(world: World) -> None:
    """Month ends are clamped in SQL exactly as _add_months does (31 Aug + 6 = 28/29 Feb)."""
    days = [
        date(2025, 8, 31),
        date(2023, 8, 31),
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2025, 12, 31),
        date(2025, 3, 15),
        date(2024, 10, 30),
    ]
    for day in days:
        certificate(world.volunteer, day)
    for months in (1, 3, 6, 12, 36, 120):
        results = Certificate.objects.filter(volunteer=world.volunteer).annotate(
            until=AddMonths(F("issued_on"), Value(months))
        )
        for row in results:
            assert row.until == _add_months(row.issued_on, months), (row.issued_on, months)


# --- Certificate of conduct running out, in SQL ---------------------------------------------


@time_machine.travel(FROZEN, tick=False)
def test_certificate_expiring_within_60_days(world: World) -> None:
    org = world.org_a

    def with_certificate(name: str, *issued: date | None) -> Volunteer:
        volunteer = VolunteerFactory(organisation=org, last_name=name)
        for day in issued:
            certificate(volunteer, day, requested_on=date(2020, 1, 1))
        return volunteer

    # No policy row: the default renewal period of 3 years applies.
    soon = with_certificate("Binnenkort", date(2023, 4, 10))  # runs out 10 April 2026
    edge = with_certificate("Grens", date(2023, 5, 14))  # 14 May 2026: day 60
    later = with_certificate("Later", date(2023, 5, 15))  # day 61
    today = with_certificate("Vandaag", date(2023, 3, 15))  # ran out today: expired, not expiring
    renewed = with_certificate("Vernieuwd", date(2023, 4, 10), date(2026, 1, 5))
    with_certificate("Aangevraagd", None)
    with_certificate("Geen")
    VolunteerFactory(organisation=world.org_b)
    certificate(world.foreign_volunteer, date(2023, 4, 10))

    response = _get(world, certificate_expiring="on")
    assert set(_pks(response)) == {soon.pk, edge.pk}

    policy, _created = VolunteerPolicy.objects.get_or_create(organisation=org)
    for volunteer in (soon, edge, later, today, renewed):
        newest = volunteer.certificates.exclude(issued_on=None).order_by("-issued_on").first()
        assert newest is not None
        expires = newest.expires_on(policy)
        assert expires is not None
        within = TODAY < expires <= TODAY + timedelta(days=60)
        assert within == (volunteer.pk in {soon.pk, edge.pk}), volunteer

    # The organisation's own renewal period counts: after 2 years, a 2024 certificate runs out.
    VolunteerPolicy.objects.filter(organisation=org).update(certificate_renew_years=2)
    two_years = with_certificate("Tweejaar", date(2024, 4, 1))
    response = _get(world, certificate_expiring="on")
    assert set(_pks(response)) == {two_years.pk}
    rows = {v.pk: v for v in _rows(_get(world))}
    assert rows[two_years.pk].certificate_expires_on == date(2026, 4, 1)
    assert rows[world.volunteer.pk].certificate_expires_on is None


# --- Sorting and pagination -----------------------------------------------------------------


def test_sorting_by_name_stage_time_in_stage_and_postcode(world: World) -> None:
    now = timezone.now()

    def buddy(name: str, status: str, postcode: str, days: int) -> Volunteer:
        return VolunteerFactory(
            organisation=world.org_a,
            last_name=name,
            status=status,
            postcode=postcode,
            role=VolunteerRole.BUDDY,
            status_changed_at=now - timedelta(days=days),
        )

    a = buddy("Aalders", S.PAUSED, "9999 ZZ", 5)
    b = buddy("Bakker", S.APPLIED, "1000 AA", 50)
    c = buddy("Claes", S.SCREENING, "5000 AA", 20)

    def order(sort: str | None = None) -> list[int]:
        params = {"role": VolunteerRole.BUDDY}
        return _pks(_get(world, **(params | ({"sort": sort} if sort else {}))))

    assert order() == [a.pk, b.pk, c.pk]
    assert order("name") == [a.pk, b.pk, c.pk]
    assert order("-name") == [c.pk, b.pk, a.pk]
    # Stage sorts in pipeline order, not alphabetically.
    assert order("stage") == [b.pk, c.pk, a.pk]
    assert order("-stage") == [a.pk, c.pk, b.pk]
    assert order("since") == [b.pk, c.pk, a.pk]
    assert order("-since") == [a.pk, c.pk, b.pk]
    assert order("postcode") == [b.pk, c.pk, a.pk]
    assert order("-postcode") == [a.pk, c.pk, b.pk]


def test_sort_headers_keep_the_filters_and_toggle(world: World) -> None:
    response = _get(world, status=S.ACTIVE, q="a", page="1")
    name, stage, _since, role = response.context["columns"][:4]
    # The list is sorted by name already: the header turns it round; the page is dropped.
    assert parse_qs(name["url"]) == {"status": ["active"], "q": ["a"], "sort": ["-name"]}
    assert name["aria_sort"] == "ascending"
    assert parse_qs(stage["url"])["sort"] == ["stage"]
    assert stage["aria_sort"] == ""
    assert role["url"] == ""
    assert 'aria-sort="ascending"' in response.content.decode()
    response = _get(world, sort="-stage")
    assert response.context["columns"][1]["aria_sort"] == "descending"
    assert parse_qs(response.context["columns"][1]["url"])["sort"] == ["stage"]


def test_pagination_keeps_every_filter(world: World) -> None:
    VolunteerPolicy.objects.get_or_create(organisation=world.org_a)
    for _ in range(30):
        v = VolunteerFactory(organisation=world.org_a, role=VolunteerRole.BUDDY, postcode="3511 AA")
        certificate(v, timezone.localdate() - timedelta(days=3 * 365 - 20))
    params = {
        "q": "3511",
        "status": "active",
        "role": "buddy",
        "region": "35",
        "certificate_expiring": "on",
        "sort": "-name",
    }
    response = _get(world, **params)
    assert response.context["page"].paginator.count == 30
    links = re.findall(r'<a class="page-link" href="\?([^"]*)"', response.content.decode())
    next_params = {k: v[0] for k, v in parse_qs(html.unescape(links[-1])).items()}
    assert next_params == {**params, "page": "2"}
    response = _get(world, **next_params)
    assert len(_rows(response)) == 5
    assert all(v.region == "35" for v in _rows(response))


# --- CSV export -----------------------------------------------------------------------------


def _csv(response: Any) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_export_is_the_filtered_list_as_an_attachment_and_is_audited(world: World) -> None:
    Volunteer.objects.filter(pk=world.volunteer.pk).update(
        date_of_birth=date(1960, 1, 2),
        motivation_text="GEHEIM-MOTIEF",
        references_note="GEHEIME-REFERENTIE",
        pause_reason="GEHEIME-PAUZE",
        phone="+31 6 12345678",
        role=VolunteerRole.BUDDY,
    )
    certificate(
        world.volunteer,
        timezone.localdate() - timedelta(days=10),
        screening_areas="GEHEIM-08",
        function_aspects="84",
    )
    paused = VolunteerFactory(
        organisation=world.org_a, status=S.PAUSED, first_name="=HYPERLINK(1)", last_name="Pauze"
    )
    VolunteerFactory(organisation=world.org_b, last_name="Andersorg")

    http = client_for(world.coordinator)
    response = http.get(reverse("volunteers:volunteer_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="vrijwilligers-')
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    with translation.override("nl"):
        assert header[0] == gettext("First name")
        active, buddy = str(S.ACTIVE.label), str(VolunteerRole.BUDDY.label)
    assert len(body) == 2
    content = response.content.decode()
    for secret in ("GEHEIM", "1960", "Andersorg"):
        assert secret not in content
    mine = next(r for r in body if r[2] == world.volunteer.email)
    assert mine[3] == "'+31 6 12345678"  # formula characters are defused
    assert mine[6] == active
    assert mine[8] == buddy
    assert mine[9] == world.professional.full_name
    assert mine[10] == _add_months(timezone.localdate() - timedelta(days=10), 36).isoformat()
    assert mine[11] == gettext("no")
    pauze = next(r for r in body if r[1] == "Pauze")
    assert pauze[0] == "'=HYPERLINK(1)"

    event = AuditEvent.objects.get(action="volunteer.export")
    assert event.actor == world.coordinator
    assert event.object_id == "2"

    # The same filters as the list.
    response = http.get(reverse("volunteers:volunteer_export"), {"status": S.PAUSED})
    assert [r[1] for r in _csv(response)[1:]] == ["Pauze"]
    assert paused.pk
    assert AuditEvent.objects.filter(action="volunteer.export").count() == 2


def test_export_for_the_outsider_holds_only_their_organisation(world: World) -> None:
    response = client_for(world.outsider).get(reverse("volunteers:volunteer_export"))
    body = _csv(response)[1:]
    assert [r[2] for r in body] == [world.foreign_volunteer.email]


def test_the_list_offers_export_and_group_message_with_the_filters(world: World) -> None:
    response = _get(world, status="active", page="1")
    content = html.unescape(response.content.decode())
    assert f"{reverse('volunteers:volunteer_export')}?status=active" in content
    assert f"{reverse('volunteers:group_message')}?status=active" in content


# --- A fixed number of queries --------------------------------------------------------------


def _bulk(world: World, n: int) -> None:
    """n volunteers in A with a role, a certificate and a completed training each (bulk)."""
    org = world.org_a
    basic = course(org, "Basis")
    require(org, VolunteerRole.BUDDY, basic)
    supervisor = UserFactory(organisation=org, role=Role.PROFESSIONAL)
    volunteers = Volunteer.objects.bulk_create(
        Volunteer(
            organisation=org,
            first_name=f"V{i}",
            last_name=f"Bulk {i:04d}",
            email=f"bulk{i}@example.org",
            postcode=f"{1000 + i % 9000} AB",
            status=S.ACTIVE,
            role=VolunteerRole.BUDDY,
            supervisor=supervisor,
        )
        for i in range(n)
    )
    today = timezone.localdate()
    Certificate.objects.bulk_create(
        Certificate(volunteer=v, requested_on=today, issued_on=today) for v in volunteers
    )
    session = complete(world.volunteer, basic, today).session
    Enrolment.objects.bulk_create(
        Enrolment(
            session=session,
            volunteer=v,
            status=Enrolment.Status.COMPLETED,
            completed_on=today,
        )
        for v in volunteers[::2]
    )


LIST_QUERIES = 10
EXPORT_QUERIES = 9


@pytest.mark.parametrize("size", [10, 1000])
def test_list_and_export_do_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Callable[..., Any], size: int
) -> None:
    _bulk(world, size)
    http = client_for(world.coordinator)
    filters = {"missing_training": "on", "q": "bulk", "sort": "-stage"}
    for params in ({}, filters, {"certificate_expiring": "on", "region": "10"}):
        with django_assert_max_num_queries(LIST_QUERIES):
            response = http.get(reverse(URL), params)
        assert response.status_code == 200
    response = http.get(reverse(URL), filters)
    assert response.context["page"].paginator.count == size // 2
    with django_assert_max_num_queries(EXPORT_QUERIES):
        response = http.get(reverse("volunteers:volunteer_export"))
    assert len(_csv(response)) == size + 2  # header, the persona and the bulk

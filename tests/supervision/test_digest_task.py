"""The weekly digest, through the Celery task: one notification per supervisor and per
responsible professional with their volunteers' reports of the past seven days; a second run
in the same week sends nothing; people with nothing to report get nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from reclass_volunteers.models import Notification, Role
from supervision.tasks import weekly_digest_task
from tests.conftest import World
from tests.factories import ClientFactory, UserFactory, VolunteerFactory, match_with
from tests.supervision.factories_reports import ContactReportFactory

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = datetime(2025, 3, 17, 7, 0, tzinfo=AMS)  # ISO week 2025-W12


def _report(world: World, *, days_ago: float, **kwargs: object) -> object:
    return ContactReportFactory(
        match=kwargs.pop("match", world.match),
        volunteer=kwargs.pop("volunteer", world.volunteer),
        created_at=MONDAY - timedelta(days=days_ago),
        happened_on=(MONDAY - timedelta(days=days_ago)).date(),
        **kwargs,
    )


def _digests() -> list[Notification]:
    return list(Notification.objects.filter(kind="report.weekly_digest").order_by("pk"))


def test_supervisor_and_responsible_professional_each_get_one_digest(world: World) -> None:
    supervisor = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    world.volunteer.supervisor_id = supervisor.pk
    world.volunteer.save()
    _report(world, days_ago=1)
    _report(world, days_ago=6, read_at=MONDAY, read_by=world.professional)
    _report(world, days_ago=8)  # before the week: not counted

    with time_machine.travel(MONDAY, tick=False):
        result = weekly_digest_task()
    assert result == {"reports": 2, "sent": 2}
    digests = _digests()
    assert {n.recipient for n in digests} == {supervisor, world.professional}
    for notification in digests:
        assert notification.occasion == "2025-W12"
        assert "2" in notification.title
        assert world.volunteer.full_name in notification.body
        assert notification.url.endswith("?unread=1")


def test_a_second_run_in_the_same_week_sends_nothing(world: World) -> None:
    _report(world, days_ago=2)
    with time_machine.travel(MONDAY, tick=False):
        weekly_digest_task()
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        _report(world, days_ago=-1)
        result = weekly_digest_task()
    assert result["sent"] == 0
    assert len(_digests()) == 1  # the professional is supervisor and responsible: one digest

    with time_machine.travel(MONDAY + timedelta(days=7), tick=False):
        result = weekly_digest_task()
    assert result["sent"] == 1
    assert [n.occasion for n in _digests()] == ["2025-W12", "2025-W13"]


def test_people_with_nothing_to_report_get_nothing(world: World) -> None:
    idle = VolunteerFactory(organisation=world.org_a, supervisor=world.coordinator)
    match_with(idle, ClientFactory(organisation=world.org_a))
    _report(world, days_ago=10)
    with time_machine.travel(MONDAY, tick=False):
        assert weekly_digest_task() == {"reports": 0, "sent": 0}
    assert _digests() == []


def test_inactive_people_are_skipped(world: World) -> None:
    world.professional.is_active = False
    world.professional.save()
    _report(world, days_ago=1)
    with time_machine.travel(MONDAY, tick=False):
        assert weekly_digest_task()["sent"] == 0


def test_each_person_gets_only_their_own_volunteers(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    theirs = VolunteerFactory(organisation=world.org_a, supervisor=colleague)
    their_match = match_with(
        theirs, ClientFactory(organisation=world.org_a, responsible_professional=colleague)
    )
    _report(world, days_ago=1)
    _report(world, days_ago=1, match=their_match, volunteer=theirs)
    _report(world, days_ago=1, match=world.foreign_match, volunteer=world.foreign_volunteer)
    with time_machine.travel(MONDAY, tick=False):
        result = weekly_digest_task()
    assert result == {"reports": 3, "sent": 3}
    by_user = {n.recipient_id: n for n in _digests()}
    assert world.volunteer.full_name in by_user[world.professional.pk].body
    assert theirs.full_name not in by_user[world.professional.pk].body
    assert theirs.full_name in by_user[colleague.pk].body


def test_digest_lists_ten_and_counts_all(world: World) -> None:
    for i in range(12):
        _report(world, days_ago=1 + i / 10)
    with time_machine.travel(MONDAY, tick=False):
        weekly_digest_task()
    (digest,) = _digests()
    assert "12" in digest.title
    lines = [line for line in digest.body.splitlines() if world.volunteer.full_name in line]
    assert len(lines) == 10


def test_default_now_is_the_current_time(world: World) -> None:
    ContactReportFactory(match=world.match, volunteer=world.volunteer, happened_on=date.today())
    result = weekly_digest_task()
    assert result["sent"] == 1
    year, week, _day = timezone.localdate().isocalendar()
    assert _digests()[0].occasion == f"{year}-W{week:02d}"

"""Running the sweeps: each run is recorded with what it sent, a failing sweep is recorded with
its error while the others still run, and `manage.py run_sweeps` lists and refuses names."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from reclass_volunteers import sweeps
from reclass_volunteers.models import SweepRun
from reclass_volunteers.sweeps import SweepResult
from tests.conftest import World
from tests.volunteers.factories_training import CourseFactory, EnrolmentFactory, SessionFactory

START = datetime(2025, 6, 20, 19, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
NAMES = ("expiry_warnings", "intervision_reminders", "session_reminders")


@pytest.fixture
def enrolled(world: World) -> None:
    session = SessionFactory(course=CourseFactory(organisation=world.org_a), starts_at=START)
    EnrolmentFactory(session=session, volunteer=world.volunteer)


def test_run_records_the_counts_and_a_rerun_sends_nothing(enrolled: None, world: World) -> None:
    [first] = sweeps.run_sweeps(["session_reminders"], now=START - timedelta(days=1))
    [again] = sweeps.run_sweeps(["session_reminders"], now=START - timedelta(hours=20))
    assert SweepRun.objects.count() == 2
    first.refresh_from_db()
    again.refresh_from_db()
    assert (first.name, first.sent, first.skipped, first.error) == ("session_reminders", 1, 0, "")
    assert (again.sent, again.skipped) == (0, 1)
    assert first.finished_at is not None
    # Per organisation, for the organisation's own operations page.
    assert first.counts == {str(world.org_a.pk): {"sent": 1, "skipped": 0}}
    assert again.counts == {str(world.org_a.pk): {"sent": 0, "skipped": 1}}


def test_list_names_the_sweeps(db: None) -> None:
    out = StringIO()
    call_command("run_sweeps", "--list", stdout=out)
    assert set(NAMES) <= set(out.getvalue().split())
    assert not SweepRun.objects.exists()


def test_unknown_name_is_refused_and_nothing_runs(db: None) -> None:
    with pytest.raises(CommandError, match="no_such_sweep"):
        call_command("run_sweeps", "session_reminders", "no_such_sweep", stdout=StringIO())
    assert not SweepRun.objects.exists()


@pytest.mark.usefixtures("enrolled")
def test_a_failing_sweep_is_recorded_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sweeps.discover()

    def broken(now: datetime) -> SweepResult:
        raise RuntimeError("mail server on fire")

    monkeypatch.setitem(sweeps.REGISTRY, "expiry_warnings", broken)
    runs = sweeps.run_sweeps(list(NAMES), now=START - timedelta(days=1))
    by_name = {run.name: run for run in SweepRun.objects.all()}
    assert [run.name for run in runs] == list(NAMES)
    assert by_name["expiry_warnings"].error == "RuntimeError: mail server on fire"
    assert by_name["expiry_warnings"].finished_at is not None
    assert (by_name["session_reminders"].sent, by_name["session_reminders"].error) == (1, "")
    assert by_name["intervision_reminders"].error == ""

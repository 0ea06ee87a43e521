"""`manage.py bench_sweeps` on a tiny data set: one JSON object with both rounds and every
registered sweep, a second round that sends nothing, the same steady-state query count at two
sizes, and nothing left behind (the benchmark rolls its transaction back)."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from reclass_volunteers.models import Notification, Organisation, SweepRun, User
from reclass_volunteers.sweeps import discover
from volunteers.models import Volunteer


def _run(*args: str) -> dict[str, Any]:
    out, err = StringIO(), StringIO()
    call_command("bench_sweeps", *args, stdout=out, stderr=err)
    assert "second round" in err.getvalue()  # progress goes to stderr
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


@pytest.mark.django_db
def test_the_benchmark_prints_both_rounds_and_leaves_nothing(settings: Any) -> None:
    settings.DEBUG = True
    # Large enough that the tenth (40) still has something due for every sweep: a sweep
    # with nothing due skips its key and recipient reads, which is not growth.
    result = _run("--volunteers", "400", "--seed", "3", "--compare")
    assert result["volunteers"] == 400
    assert result["seeded"]["volunteers"] == 400
    assert 0 < result["seeded"]["active"] < 400
    assert result["seeded"]["matches"] > 0 and result["seeded"]["contact_reports"] > 0
    first, second = result["rounds"]
    assert first["sent"] > 0 and first["failed"] == []
    # The second round at the same moment finds everything done: it sends nothing.
    assert (second["sent"], second["skipped"]) == (0, first["sent"])
    assert set(result["sweeps"]) == set(discover())
    # The seeded data gives every sweep something to do, so no sweep is measured idle.
    idle = sorted(name for name, s in result["sweeps"].items() if s["first"]["sent"] == 0)
    assert idle == []
    for figures in result["sweeps"].values():
        for key in ("seconds", "queries", "sent", "skipped"):
            assert figures["first"][key] >= 0 and figures["second"][key] >= 0
    assert first["queries"] == sum(s["first"]["queries"] for s in result["sweeps"].values())
    compare = result["compare"]
    assert compare["volunteers"] == 40
    assert compare["steady_state_queries"] == {
        "400": second["queries"],
        "40": compare["rounds"][1]["queries"],
    }
    assert compare["steady_state_queries_equal"] is True
    assert not Organisation.objects.exists()
    assert not (Volunteer.objects.exists() or User.objects.exists())
    assert not (Notification.objects.exists() or SweepRun.objects.exists())


@pytest.mark.django_db
def test_the_benchmark_refuses_without_debug(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("bench_sweeps", "--volunteers", "5", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_the_benchmark_refuses_a_size_below_one(settings: Any) -> None:
    settings.DEBUG = True
    with pytest.raises(CommandError, match="at least 1"):
        call_command("bench_sweeps", "--volunteers", "0", stdout=StringIO(), stderr=StringIO())

"""`manage.py bench_matching` on a tiny data set: one JSON object, and nothing left behind."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from clients.models import Client
from matching.models import Match
from reclass_volunteers.models import Organisation
from volunteers.models import Volunteer


def _run(*args: str) -> dict[str, Any]:
    out, err = StringIO(), StringIO()
    call_command("bench_matching", *args, stdout=out, stderr=err)
    assert "timing the waiting-list proposal" in err.getvalue()  # progress goes to stderr
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


@pytest.mark.django_db
def test_the_benchmark_prints_its_figures_and_cleans_up(settings: Any) -> None:
    settings.DEBUG = True
    result = _run("--volunteers", "60", "--clients", "12", "--runs", "3", "--seed", "5")
    assert result["volunteers"] == 60 and result["clients"] == 12
    for key in ("suggestion_ms_median", "suggestion_ms_p95", "waiting_list_s"):
        assert isinstance(result[key], float) and result[key] >= 0
    assert result["suggestion_ms_p95"] >= result["suggestion_ms_median"]
    assert isinstance(result["suggestion_median_under_200ms"], bool)
    assert isinstance(result["waiting_list_under_10s"], bool)
    assert 0 < result["pairs_proposed"] <= 12
    assert result["pairs_proposed"] + result["clients_left_waiting"] == 12
    assert not Organisation.objects.filter(name__startswith="Benchmark").exists()
    assert not Volunteer.objects.exists() and not Client.objects.exists()
    assert not Match.objects.exists()


@pytest.mark.django_db
def test_keep_leaves_the_data_set(settings: Any) -> None:
    settings.DEBUG = True
    result = _run("--volunteers", "20", "--clients", "5", "--runs", "1", "--keep")
    organisation = Organisation.objects.get(name=result["organisation"])
    assert Volunteer.objects.filter(organisation=organisation).count() == 20
    assert Client.objects.filter(organisation=organisation, status="waiting").count() == 5


@pytest.mark.django_db
def test_it_refuses_outside_debug_unless_forced(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        _run("--volunteers", "5", "--clients", "2", "--runs", "1")
    assert not Organisation.objects.exists()
    assert _run("--volunteers", "5", "--clients", "2", "--runs", "1", "--force")["clients"] == 2

"""Production settings (SECURITY.md, Django's deployment checklist): each test starts a fresh
Python with DJANGO_DEBUG=false, because the settings module decides at import time."""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_DEBUG")}
    base["DJANGO_SETTINGS_MODULE"] = "reclass_volunteers.settings"
    # What production must set besides the secret and the hosts; nothing connects to them.
    base.setdefault("DATABASE_URL", "postgres://app@db.example.org:5432/reclass")
    base["CELERY_BROKER_URL"] = "redis://redis.example.org:6379/0"
    base["EMAIL_URL"] = "smtp+tls://mailer:secret@smtp.example.org:587"
    base.update(DJANGO_DEBUG="false", **env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(50))


def test_deploy_check_passes_without_warnings() -> None:
    result = _run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS="example.org",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


@pytest.mark.parametrize(
    "entry_point",
    [
        ("manage.py", "check"),
        ("-c", "import reclass_volunteers.wsgi"),
    ],
    ids=["manage.py", "wsgi"],
)
def test_missing_secret_key_stops_with_one_line(entry_point: tuple[str, ...]) -> None:
    result = _run(*entry_point, ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]
    assert "Traceback" not in result.stderr


def test_production_cookies_and_transport_security() -> None:
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SAMESITE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
    ]
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = _run("-c", code, SECRET_KEY=_secret_key(), ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["DEBUG"] is False
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["LANGUAGE_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert found["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert found["X_FRAME_OPTIONS"] == "DENY"

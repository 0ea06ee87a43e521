"""Fixtures for the end-to-end journeys: a live server with the demo data and headless Chromium.

Playwright's own browser download cannot run here, so the browser is Debian's Chromium
(CHROMIUM_PATH, default /usr/bin/chromium), started with the flags that keep it off the
network. Every page records its console messages, uncaught errors and responses, so a test
can prove that the static files were served and that the Content Security Policy blocked
nothing.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Response,
    ViewportSize,
    sync_playwright,
)

SCREENSHOTS = Path(__file__).parent / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Short timeouts: the live server answers in milliseconds, a failure should not take 30 s.
TIMEOUT_MS = 5_000


@dataclass
class Tab:
    """A page and what it reported while the journey ran."""

    page: Page
    base_url: str
    console: list[ConsoleMessage] = field(default_factory=list)
    page_errors: list[Error] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)

    def goto(self, path: str) -> Response | None:
        return self.page.goto(self.base_url + path)

    def csp_violations(self) -> list[str]:
        return [m.text for m in self.console if "Content Security Policy" in m.text]

    def static_responses(self) -> list[tuple[str, int]]:
        """(address, status) of every static file the page loaded, first load first."""
        return [(r.url, r.status) for r in self.responses if "/static/" in r.url]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio event loop running in the test thread while it is
    # started, and Django then refuses the ORM calls made from that thread (the demo seed, the
    # flush of transactional_db). The package scope stops the loop, and this setting is undone,
    # when the e2e tests are done, so the rest of a full run keeps Django's safety check.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                args=CHROMIUM_ARGS,
                headless=True,
            )
            yield chromium
            chromium.close()


# The live server needs transactional_db, which empties the tables after each test. PostgreSQL
# does that with TRUNCATE, which the audit log's append-only trigger lets through; SQLite does
# it with DELETE, which the trigger refuses. On SQLite the triggers are lifted for that flush
# only and put back before the next test and after the last one, with migration 0002's SQL.
_AUDIT_MIGRATION = "reclass_volunteers.migrations.0002_audit_append_only"


def _sqlite_audit_triggers(*, installed: bool) -> None:
    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module(_AUDIT_MIGRATION)
    with connection.cursor() as cursor:
        if installed:
            for statement in migration.SQLITE_FORWARD:
                cursor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS"))
        else:
            for statement in migration.SQLITE_BACKWARD:
                cursor.execute(statement)


@pytest.fixture(scope="package")
def _audit_triggers_restored(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        _sqlite_audit_triggers(installed=True)


@pytest.fixture
def demo_url(
    live_server: Any, transactional_db: Any, settings: Any, _audit_triggers_restored: None
) -> Iterator[str]:
    """The live server's address, with the demo organisations and users loaded.

    seed_demo refuses to run outside debug; the tests run with DEBUG off, as production does.
    """
    _sqlite_audit_triggers(installed=True)
    settings.DEBUG = True
    try:
        call_command("seed_demo", stdout=StringIO())
    finally:
        settings.DEBUG = False
    yield str(live_server.url)
    _sqlite_audit_triggers(installed=False)


@pytest.fixture
def open_tab(browser: Browser, demo_url: str) -> Iterator[Callable[..., Tab]]:
    """Opens a fresh browser context (no cookies) in Dutch, the organisation's language."""
    SCREENSHOTS.mkdir(exist_ok=True)
    contexts = []

    def _open(*, width: int, height: int, is_mobile: bool = False) -> Tab:
        context = browser.new_context(
            viewport=ViewportSize(width=width, height=height),
            is_mobile=is_mobile,
            has_touch=is_mobile,
            device_scale_factor=2 if is_mobile else 1,
            locale="nl-NL",
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page=page, base_url=demo_url)
        # Playwright wraps handlers and cannot wrap a builtin such as list.append.
        page.on("console", lambda message: tab.console.append(message))
        page.on("pageerror", lambda error: tab.page_errors.append(error))
        page.on("response", lambda response: tab.responses.append(response))
        return tab

    yield _open
    for context in contexts:
        context.close()

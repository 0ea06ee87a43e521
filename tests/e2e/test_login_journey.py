"""Log-in journeys in a real browser: a coordinator at a desk, a volunteer on a phone.

The browser asks for Dutch, as a Dutch user's browser does, and the assertions use the Dutch
texts themselves, so a missing or broken translation fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from reclass_volunteers.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.conftest import SCREENSHOTS, Tab

pytestmark = pytest.mark.e2e

BOOTSTRAP_CSS = "vendor/bootstrap-5.3.8.min.css"
BRAND_BLUE = "rgb(11, 61, 145)"  # .bg-brand in app.css
WRONG_LOGIN = "Deze combinatie van e-mailadres en wachtwoord klopt niet. Probeer het opnieuw."


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen", exact=True).click()


def expect_login_page(tab: Tab) -> None:
    page = tab.page
    expect(page).to_have_url(re.compile(re.escape(tab.base_url) + r"/inloggen/(\?next=/)?$"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    expect(page.get_by_label("E-mailadres")).to_be_editable()
    expect(page.get_by_label("Wachtwoord")).to_have_attribute("type", "password")


def expect_styled_and_clean(tab: Tab) -> None:
    """Bootstrap and the app's CSS were served and applied, and the CSP blocked nothing."""
    expect(tab.page.locator("nav.navbar")).to_have_css("display", "flex")  # Bootstrap's .navbar
    expect(tab.page.locator("nav.navbar")).to_have_css("background-color", BRAND_BLUE)
    expect(tab.page.locator(".skip-link")).to_have_css("position", "absolute")  # app.css
    static = tab.static_responses()
    bootstrap = [status for url, status in static if url.endswith(BOOTSTRAP_CSS)]
    assert bootstrap[:1] == [200], static  # a fresh context loads it, later visits may revalidate
    assert all(status in (200, 304) for _url, status in static), static
    assert tab.csp_violations() == []
    assert tab.page_errors == []


def test_coordinator_logs_in_and_out_on_a_desktop(open_tab: Callable[..., Tab]) -> None:
    tab = open_tab(width=1280, height=800)
    page = tab.page

    tab.goto("/")
    expect_login_page(tab)
    expect(page).to_have_title("Inloggen · Reclass")

    log_in(page, "coordinator@oost.demo", "not-the-password")
    expect(page.get_by_text(WRONG_LOGIN)).to_be_visible()
    expect_login_page(tab)
    expect(page.get_by_label("E-mailadres")).to_have_value("coordinator@oost.demo")
    expect(page.get_by_label("Wachtwoord")).to_have_value("")

    log_in(page, "coordinator@oost.demo", DEMO_PASSWORD)
    expect(page).to_have_url(tab.base_url + "/")
    # The demo coordinator is Cora de Wit; the greeting uses the first name.
    expect(page.get_by_role("heading", level=1)).to_have_text("Goedendag, Cora")
    navigation = page.get_by_role("navigation", name="Hoofdnavigatie")
    for label in ("Start", "Vrijwilligers", "Cliënten", "Koppelingen"):
        expect(navigation.get_by_role("link", name=label, exact=True)).to_be_visible()
    # The demo seed leaves the coordinator one unread welcome notification.
    expect(navigation.get_by_role("link", name="Meldingen 1 ongelezen")).to_be_visible()
    expect(navigation.get_by_role("link", name="Start", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(navigation.get_by_role("link", name="Gebruikers", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Menu tonen")).to_be_hidden()
    expect_styled_and_clean(tab)
    page.screenshot(path=SCREENSHOTS / "coordinator-home.png", full_page=True)

    navigation.get_by_role("button", name="Cora", exact=True).click()
    navigation.get_by_role("button", name="Uitloggen", exact=True).click()
    expect_login_page(tab)
    expect(page).to_have_url(tab.base_url + "/inloggen/")

    tab.goto("/")
    expect(page).to_have_url(tab.base_url + "/inloggen/?next=/")
    expect_login_page(tab)
    expect_styled_and_clean(tab)


def test_volunteer_sees_first_names_only_on_a_phone(open_tab: Callable[..., Tab]) -> None:
    tab = open_tab(width=390, height=844, is_mobile=True)
    page = tab.page

    tab.goto("/")
    expect_login_page(tab)
    log_in(page, "volunteer@oost.demo", DEMO_PASSWORD)

    expect(page).to_have_url(tab.base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hallo, Anna")
    expect(page.get_by_role("link", name="Kees", exact=True)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Mulder")

    # Below Bootstrap's lg breakpoint the navigation folds into a toggler.
    toggler = page.get_by_role("button", name="Menu tonen")
    expect(toggler).to_be_visible()
    expect(page.locator("#main-nav")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "sideways scrolling"
    expect_styled_and_clean(tab)
    page.screenshot(path=SCREENSHOTS / "volunteer-phone.png", full_page=True)

    toggler.click()
    expect(page.locator("#main-nav")).to_be_visible()
    expect(page.get_by_role("button", name="Anna", exact=True)).to_be_visible()
    assert tab.csp_violations() == []

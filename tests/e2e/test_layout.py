"""The menu bar on a desk: staff see up to a dozen entries, which must fit without a page
that scrolls sideways, from the smallest width that shows the full bar (1200 px) up; below it
the bar folds into the menu button."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from reclass_volunteers.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.conftest import Tab
from tests.e2e.test_login_journey import log_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("email", ["coordinator@oost.demo", "admin@oost.demo"])
def test_the_full_menu_fits_from_1200_pixels(open_tab: Callable[..., Tab], email: str) -> None:
    for width, folded in ((1200, False), (1280, False), (1199, True)):
        tab = open_tab(width=width, height=800)
        page = tab.page
        tab.goto("/")
        log_in(page, email, DEMO_PASSWORD)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Goedendag")
        toggler = page.get_by_role("button", name="Menu tonen")
        if folded:
            expect(toggler).to_be_visible()
        else:
            expect(toggler).to_be_hidden()
            expect(page.get_by_role("link", name="Wachtlijst")).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0, f"{email} at {width} px scrolls sideways by {overflow} px"

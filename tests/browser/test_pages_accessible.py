"""Every page passes axe-core (no serious or critical violation) in light and dark mode, and the
phone is usable from 320 px wide. Screenshots of each view at phone and laptop sizes are saved
under screenshots/ for a person to look at."""

import pytest
from playwright.sync_api import expect

from ..live import Phone
from .conftest import api, check_accessibility, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def session_with_results(server):
    """A session with one revealed practice (4 voters, two segments) and one open practice."""
    session = api(
        server,
        "POST",
        "/api/sessions",
        {
            "framework": "temkin-six-stages",
            "title": "Accessibility check",
            "organization": "Acme",
            "settings": {"segments": ["Leadership", "Frontline"]},
        },
    )
    host = Phone(server.url)
    host.call("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})
    voters = []
    for index, level in enumerate(("repeatable", "repeatable", "ad_hoc", "unknown")):
        voter = Phone(server.url)
        voter.call("join", {"code": session["code"], "segment": ("Leadership", "Frontline")[index % 2]})
        voters.append((voter, level))
    host.call("open", {"practice": "explore-working-group"})
    for voter, level in voters:
        voter.call("vote", {"practice": "explore-working-group", "level": level, "note": f"because {level}"})
    host.call("reveal", {"practice": "explore-working-group"})
    host.call("open", {"practice": "mobilize-journey-maps"})
    yield session
    for client in [host, *(voter for voter, _ in voters)]:
        client.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe(pages, server, session_with_results, scheme):
    session = session_with_results
    views = [
        ("landing", server.url + "/", None),
        ("new-session", server.url + "/new", None),
        ("host", session["facilitator_url"], None),
        ("projector", session["presenter_url"], None),
        ("phone-join", session["join_url"], "iPhone 13"),
    ]
    for name, url, device in views:
        page = pages.open(url, device=device, color_scheme=scheme)
        page.wait_for_load_state("networkidle")
        if name == "host":
            expect(page.locator("[data-practice-item]").first).to_be_visible()
            page.locator("[data-practice-item=explore-working-group]").click()
            expect(page.locator("[data-result]")).to_be_visible()
            page.locator("[data-action=load-reasons]").click()
            expect(page.locator("[data-reasons] li").first).to_be_visible()
            for tab in ("queue", "placement", "all"):
                page.locator(f"[data-tab={tab}]").click()
                check_accessibility(page, f"host {tab} tab ({scheme})")
                screenshot(page, f"laptop-host-tab-{tab}-{scheme}")
            page.locator("[data-action=show-join]").click()
            check_accessibility(page, f"host join dialog ({scheme})")
            screenshot(page, f"laptop-host-join-dialog-{scheme}")
            continue
        if name == "projector":
            expect(page.locator("[data-view=voting]")).to_be_visible()
        if name == "phone-join":
            expect(page.locator("[data-view=join]")).to_be_visible()
            check_accessibility(page, f"{name} ({scheme})")
            screenshot(page, f"phone-join-{scheme}")
            page.locator("[data-action=join]").click()
            expect(page.locator("[data-view=vote]")).to_be_visible()
            name = "phone-vote"
        check_accessibility(page, f"{name} ({scheme})")
        screenshot(page, f"{'phone' if device else 'laptop'}-{name}-{scheme}")


def test_the_phone_is_usable_from_320_px_wide_with_large_text(pages, server, session_with_results):
    session = session_with_results
    phone = pages.open(session["join_url"], viewport={"width": 320, "height": 640}, has_touch=True, is_mobile=True)
    expect(phone.locator("[data-view=join]")).to_be_visible()
    phone.locator("[data-action=join]").click()
    expect(phone.locator("[data-view=vote]")).to_be_visible()
    for large in (False, True):
        if large:
            phone.locator("[data-large-text]").click()
            expect(phone.locator("[data-large-text]")).to_have_attribute("aria-pressed", "true")
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"the page scrolls sideways at 320 px ({width} px wide)"
        for button in phone.locator("[data-vote]").all():
            box = button.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 240
        check_accessibility(phone, f"phone 320px{' large text' if large else ''}")
        screenshot(phone, f"phone-320-vote{'-large-text' if large else ''}")
    phone.reload()
    expect(phone.locator("html.large-text")).to_have_count(1)  # the choice is remembered

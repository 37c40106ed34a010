"""The room's screens as people see them: the projector fits every state without scrolling and is
readable from the back row, the phone says what happened where the thumb is, a recorded override is
never replaced by a key press. Every state is screenshotted at phone, laptop and projector sizes, in
light and dark, under screenshots/ for a person to look at."""

import uuid

import pytest
from playwright.sync_api import expect

from ..live import Phone, wait_for
from .conftest import api, screenshot

pytestmark = pytest.mark.browser

PROJECTORS = {"1080p": {"width": 1920, "height": 1080}, "720p": {"width": 1280, "height": 720}}
LONG_REASON = (
    "Only the stores in the north do this, and only when the regional manager remembers to ask for it; "
    "head office has never seen the results and nobody owns the follow-up, so it fades after a month"
)


def fits(page) -> None:
    """The projector page never scrolls and nothing spills out of the screen."""
    overflow = page.evaluate(
        """() => {
        const root = document.scrollingElement;
        const width = window.innerWidth, height = window.innerHeight;
        const spilled = [...document.querySelectorAll('[data-stage] *')].filter((element) => {
          if (element.closest('[hidden]')) return false;
          const box = element.getBoundingClientRect();
          return box.width && box.height && (box.bottom > height + 1 || box.right > width + 1);
        }).map((element) => element.outerHTML.slice(0, 80));
        return {scroll: root.scrollHeight - height, spilled};
      }"""
    )
    assert overflow["scroll"] <= 1, f"the projector scrolls by {overflow['scroll']} px"
    assert not overflow["spilled"], f"cut off at the screen's edge: {overflow['spilled'][:3]}"


def smallest_text(page, selector="[data-stage]") -> float:
    """The smallest font size (CSS px) of any visible text in ``selector``."""
    return page.evaluate(
        """(selector) => {
        let smallest = Infinity;
        const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const node = walker.currentNode;
          if (!node.textContent.trim() || !node.parentElement || node.parentElement.closest('[hidden], .visually-hidden')) continue;
          const style = getComputedStyle(node.parentElement);
          if (style.display === 'none' || style.visibility === 'hidden') continue;
          smallest = Math.min(smallest, parseFloat(style.fontSize));
        }
        return smallest;
      }""",
        selector,
    )


@pytest.fixture
def room(server):
    """A Forrester session with segments, six people in the room and a facilitator over Socket.IO."""
    session = api(
        server, "POST", "/api/sessions",
        {"framework": "forrester-path", "title": "A long session title for the back row of a large room",
         "organization": f"Acme Retail International {uuid.uuid4().hex[:6]}", "settings": {"segments": ["Leadership", "Frontline"]}},
    )  # fmt: skip
    host = Phone(server.url)
    host.call("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})
    people = []
    for index in range(6):
        person = Phone(server.url)
        person.call("join", {"code": session["code"], "segment": ("Leadership", "Frontline")[index % 2]})
        people.append(person)
    yield session, host, people
    for client in (host, *people):
        client.close()


def vote(people, practice, levels, note=None):
    for person, level in zip(people, levels, strict=False):
        ack = person.call("vote", {"practice": practice, "level": level, **({"note": note} if note else {})})
        assert ack["ok"], ack


def test_the_projector_fits_every_state_at_1080p_and_720p(pages, server, room):
    session, host, people = room
    projectors = {name: pages.open(session["presenter_url"], viewport=size) for name, size in PROJECTORS.items()}

    def check(state: str, view: str):
        for name, page in projectors.items():
            expect(page.locator(f"[data-stage] [data-view={view}]")).to_be_visible()
            page.wait_for_timeout(150)  # the pager measures after layout
            fits(page)
            if name == "1080p":
                assert smallest_text(page) >= 28, f"{state}: text below 28 px at 1080p"
                assert smallest_text(page, ".corner") >= 28, f"{state}: the join line is below 28 px"
            screenshot(page, f"projector-{name}-{state}")

    check("join", "join")
    qr = projectors["1080p"].locator("[data-join-qr]").bounding_box()
    assert qr["height"] >= 0.4 * 1080, "the join screen's QR code is at least 40% of the screen's height"
    practices = [
        p["id"]
        for p in host.call("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})[
            "state"
        ]["practices"]
    ]
    first = practices[0]
    host.call("open", {"practice": first})
    host.call("timer", {"seconds": 120})
    check("voting", "voting")
    expect(projectors["1080p"].locator("[data-timer]")).not_to_have_text("")
    vote(people, first, ["missing", "missing", "missing", "systematic", "systematic", "systematic"], LONG_REASON)
    host.call("reveal", {"practice": first})
    check("result", "result")
    verdict = projectors["1080p"].locator("[data-verdict]")
    expect(verdict).to_contain_text("Polarised")
    expect(verdict).to_contain_text("3 say Missing, 3 say Systematic")
    assert verdict.bounding_box()["height"] >= 80, "the verdict is large and filled"
    host.call("spotlight", {"practice": first, "show_reasons": True})
    check("reasons", "result")
    host.call("spotlight", {"practice": first, "show_segments": True})
    check("segments", "result")
    host.call("spotlight", {})
    host.call("revote", {"practice": first})
    vote(people, first, ["ad_hoc", "ad_hoc", "repeatable", "repeatable", "ad_hoc", "ad_hoc"])
    host.call("reveal", {"practice": first})
    check("revote-result", "result")
    assert projectors["1080p"].locator(".bar-before").count() >= 2, "after a re-vote the earlier round shows too"
    host.call("open", {"practice": "*"})
    check("self-paced", "self-paced")
    for practice in practices[1:]:
        vote(people, practice, ["repeatable", "ad_hoc", "systematic", "repeatable", "repeatable", "missing"])
    host.call("reveal", {"practice": "*"})
    host.call("consolidate", {"practice": first, "level": "repeatable", "note": "The pilot stores count"})
    check("overview", "overview")
    host.call("close", {})
    check("final", "final")
    for page in projectors.values():
        expect(page.locator("[data-final-panel=verdict]")).to_be_visible()
        expect(page.locator("[data-headline]")).not_to_be_empty()
    # then the practices, a screenful at a time (→ turns at once): every row shows whole on some page
    for name, page in projectors.items():
        steps = int(page.locator("[data-page-indicator]").inner_text().split(" of ")[1])
        assert steps >= 2, f"{name}: the verdict and at least one page of practices"
        shown, overrides = set(), 0
        indicator = page.locator("[data-page-indicator]")
        for _ in range(steps):  # each press turns at once and restarts the page's timer
            step = int(indicator.get_attribute("data-page")) % steps + 1
            page.keyboard.press("ArrowRight")
            expect(indicator).to_have_attribute("data-page", str(step))
            if step == 1:
                continue
            expect(page.locator("[data-final-panel=practices]")).to_be_visible()
            fits(page)
            rows = page.locator("[data-final-panel=practices] tbody tr:not([hidden])")
            shown |= {rows.nth(i).inner_text().split("\n")[0] for i in range(rows.count())}
            overrides += page.locator("[data-final-panel=practices] tbody tr:not([hidden]) [data-override]").count()
            screenshot(page, f"projector-{name}-final-practices-{step - 1}")
        assert len(shown) == len(practices), f"{name}: {len(shown)} of {len(practices)} practices shown"
        assert overrides == 1, f"{name}: the consolidated practice carries its override mark"
    # 13 practices do not fit on one 720p screen: paged, never cut off
    assert int(projectors["720p"].locator("[data-page-indicator]").inner_text().split(" of ")[1]) > 2


def test_the_phone_says_what_happened_on_the_tapped_option(pages, server, room):
    session, host, people = room
    phone = pages.open(session["join_url"], viewport={"width": 320, "height": 568}, has_touch=True, is_mobile=True)
    phone.locator("[data-action=join]").click()
    host.call("open", {"practice": "repair-identify"})
    phone.locator("[data-vote=systematic]").click()
    status = phone.locator("[data-vote=systematic] [data-vote-status]")
    expect(status).to_have_attribute("data-vote-status", "saved")
    box = status.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 568 + 1, "the status shows inside the viewport, on the option"
    expect(phone.locator("#why")).to_be_visible()  # "Why?" is offered right after the tap
    screenshot(phone, "phone-320-saved")
    phone.context.set_offline(True)
    phone.locator("[data-vote=repeatable]").click()
    offline = phone.locator("[data-vote=repeatable] [data-vote-status]")
    expect(offline).to_have_attribute("data-vote-status", "offline")
    box = offline.bounding_box()
    assert box["y"] + box["height"] <= 568 + 1, "a queued answer says so where the thumb is"
    screenshot(phone, "phone-320-offline")
    phone.context.set_offline(False)
    expect(phone.locator("[data-vote=repeatable] [data-vote-status]")).to_have_attribute(
        "data-vote-status", "saved", timeout=15000
    )
    vote(people, "repair-identify", ["missing", "ad_hoc", "ad_hoc", "repeatable", "systematic"])
    host.call("reveal", {"practice": "repair-identify"})
    expect(phone.locator("[data-view=result]")).to_be_visible()
    assert smallest_text(phone, "[data-chart=distribution]") >= 14, "chart text on phones is at least 14 px"
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 320
    screenshot(phone, "phone-320-result")


def revealed_on_the_laptop(pages, room, practice, levels):
    """The facilitator's page, after the room voted ``levels`` on ``practice`` and it was revealed."""
    session, host, people = room
    page = pages.open(session["facilitator_url"])
    host.call("open", {"practice": practice})
    vote(people, practice, levels)
    host.call("reveal", {"practice": practice})
    return page


def test_a_recorded_override_is_never_replaced_by_a_key_press(pages, server, room):
    session, host, people = room
    page = revealed_on_the_laptop(pages, room, "repair-identify", ["missing"] * 4 + ["ad_hoc"] * 2)
    override = {"practice": "repair-identify", "level": "ad_hoc", "note": "The stores do it, head office does not"}
    assert host.call("consolidate", override)["ok"]
    page.locator("[data-practice-item=repair-identify]").click()
    expect(page.locator("[data-decision]")).to_contain_text("overridden")
    page.locator("body").press("c")
    expect(page.locator("[data-toast]")).to_contain_text("Already recorded")
    summary = server.summary(session)
    decision = next(p for p in summary["practices"] if p["id"] == "repair-identify")["decision"]
    assert decision["level"] == "ad_hoc" and decision["note"] == override["note"]
    # the run of show moves on; changing the level is a deliberate, secondary action
    expect(page.locator("[data-next-step] button.primary")).to_contain_text("next practice")
    expect(page.locator("[data-action=change]")).to_be_visible()
    screenshot(page, "laptop-host-override-kept")


def test_a_divided_room_is_discussed_before_the_median_is_accepted(pages, server, room):
    page = revealed_on_the_laptop(pages, room, "repair-measure", ["missing"] * 3 + ["systematic"] * 3)
    page.locator("[data-practice-item=repair-measure]").click()
    primary = page.locator("[data-next-step] button.primary")
    expect(primary).to_have_attribute("data-action", "spotlight")
    expect(page.locator("[data-next-step] [data-action=consolidate]")).not_to_have_class("primary")
    expect(page.locator("[data-statistics]")).not_to_have_attribute("open", "")  # figures behind a disclosure
    screenshot(page, "laptop-host-polarised")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_state_is_screenshotted_for_review(pages, server, room, scheme):
    """Not an assertion of looks: the screenshots a person reviews, in both colour schemes."""
    session, host, people = room
    laptop = pages.open(session["facilitator_url"], color_scheme=scheme)
    projector = pages.open(session["presenter_url"], viewport=PROJECTORS["1080p"], color_scheme=scheme)
    phone = pages.open(session["join_url"], device="iPhone 13", color_scheme=scheme)
    phone.locator("[data-action=join]").click()
    shots = lambda state: [screenshot(page, f"{kind}-{state}-{scheme}") for kind, page in  # noqa: E731
                           (("laptop", laptop), ("projector", projector), ("phone", phone))]  # fmt: skip
    wait_for(lambda: laptop.locator("[data-join-card]").is_visible())
    shots("join")
    host.call("open", {"practice": "repair-identify"})
    expect(phone.locator("[data-view=vote]")).to_be_visible()
    phone.locator("[data-vote=ad_hoc]").click()
    vote(people, "repair-identify", ["missing", "missing", "systematic", "systematic", "repeatable"], "because")
    shots("voting")
    host.call("reveal", {"practice": "repair-identify"})
    expect(phone.locator("[data-view=result]")).to_be_visible()
    laptop.locator("[data-practice-item=repair-identify]").click()
    shots("revealed")
    host.call("close", {})
    expect(projector.locator("[data-view=final]")).to_be_visible()
    expect(phone.locator("[data-view=closed]")).to_be_visible()
    shots("closed")


def test_a_full_room_shows_in_the_header_and_the_facilitator_makes_room(pages, server, room):
    session, host, people = room
    page = pages.open(session["facilitator_url"])
    host.call("settings", {"max_participants": 6})
    expect(page.locator("[data-people]")).to_have_text("6 here · 6 of 6 joined (full)")
    late = Phone(server.url)
    try:
        assert late.call("join", {"code": session["code"]})["error"] == "full"
        page.locator("[data-action=show-join]").click()
        page.locator("[data-room-size] summary").click()
        page.locator("[data-max-participants]").fill("20")
        page.locator("[data-action=save-max-participants]").click()
        expect(page.locator("[data-room-size-status]")).to_have_text(" Saved.")
        expect(page.locator("[data-people]")).to_have_text("6 here · 6 joined")
        assert late.call("join", {"code": session["code"]})["ok"]
    finally:
        late.close()


def test_the_phone_header_keeps_a_long_title_readable_and_compact_with_large_text(pages, server, room):
    session, host, people = room
    phone = pages.open(session["join_url"], viewport={"width": 320, "height": 640}, has_touch=True, is_mobile=True)
    phone.locator("[data-name]").fill("Alexandra Konstantinopoulou-Smythe")
    phone.locator("[data-action=join]").click()
    host.call("open", {"practice": "repair-identify"})
    expect(phone.locator("[data-view=vote]")).to_be_visible()
    phone.locator("[data-large-text]").click()
    title = phone.locator("[data-session-name]")
    expect(title).to_have_text(session_title := "A long session title for the back row of a large room")
    screenshot(phone, "phone-320-header-large-text")
    box = title.bounding_box()
    header = phone.locator(".phone-header").bounding_box()
    # two lines of the title are shown (never cut to a few letters), and the header stays compact
    assert box["width"] >= 0.55 * 320, f"the title gets {box['width']} px of 320"
    shown = phone.evaluate(
        "(element) => element.scrollHeight <= element.clientHeight + 1 || element.clientHeight / parseFloat(getComputedStyle(element).lineHeight)",
        title.element_handle(),
    )
    assert shown is True or shown >= 1.9, f"only {shown} lines of {session_title!r} show"
    assert header["height"] <= 0.22 * 640, f"the header takes {header['height']} px of 640"
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 320

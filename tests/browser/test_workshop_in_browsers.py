"""A whole workshop in real browsers: one facilitator, three phones, the projector."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import api, screenshot

pytestmark = pytest.mark.browser

PHONES = ("iPhone 13", "Pixel 7", "iPhone SE")


def create_session_in_the_page(pages, server, look, title="Browser workshop"):
    host = pages.open(server.url + "/new")
    look(host, "laptop-new-session")
    host.get_by_label("Title").fill(title)
    host.locator("[data-framework=forrester-path]").check()
    host.get_by_label("Participant segments").fill("Leadership, Frontline")
    host.locator("[data-action=create]").click()
    expect(host.locator("[data-join-card]")).to_be_visible()
    code = host.locator("[data-join-card] [data-code]").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{6}", code)
    return host, code


def test_a_whole_workshop_with_a_facilitator_three_phones_and_the_projector(pages, server, look):
    host, code = create_session_in_the_page(pages, server, look)
    look(host, "laptop-host-invite")
    join_url = host.locator("[data-join-dialog] a").get_attribute("href")
    assert join_url.endswith(f"/join/{code}")

    # phone 1 types the code on the landing page (any case, with a space); 2 and 3 use the QR's URL
    first = pages.open(server.url + "/", device=PHONES[0])
    look(first, "phone-landing")
    first.get_by_label("Session code").fill(f"{code[:3].lower()} {code[3:].lower()}")
    first.get_by_role("button", name="Join").click()
    expect(first.locator("[data-view=join]")).to_be_visible()
    look(first, "phone-join-form")
    first.get_by_label("Your name").fill("Alice")
    first.locator("[data-segment]").select_option("Frontline")
    first.locator("[data-action=join]").click()
    phones = [first]
    for device, name in zip(PHONES[1:], ("Bob", "Carol")):
        phone = pages.open(join_url, device=device)
        phone.get_by_label("Your name").fill(name)
        phone.locator("[data-action=join]").click()
        phones.append(phone)
    for phone in phones:
        expect(phone.locator("[data-view=waiting]")).to_be_visible()
    look(first, "phone-waiting")
    expect(host.locator("[data-people]")).to_have_text("3 here · 3 joined")

    # paced: the facilitator opens the first practice, every phone follows
    host.locator("[data-practice-item=repair-identify]").click()
    host.locator("[data-action=open]").click()
    for phone in phones:
        expect(phone.locator("[data-view=vote][data-practice=repair-identify]")).to_be_visible()
        expect(phone.locator("[data-progress]")).to_contain_text("Practice 1 of 13")
    look(first, "phone-vote")

    for phone, level in zip(phones, ("systematic", "ad_hoc", "repeatable")):
        phone.locator(f"[data-vote={level}]").click()
        expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
        expect(phone.locator(f"[data-vote={level}]")).to_have_attribute("aria-pressed", "true")
    # "Why?" is offered right after the tap, under the chosen answer
    first.locator("#why").fill("Only the call centre does it")
    first.locator("[data-action=save-reason]").click()
    expect(first.locator("[data-vote-status]")).to_have_text("Saved ✓ with your reason")
    look(first, "phone-vote-saved")
    expect(host.locator("[data-detail] [data-votes-for=repair-identify]")).to_have_text("3 answers")
    look(host, "laptop-host-voting")

    # hidden until the reveal, in the pages themselves
    for page in (host, *phones):
        assert page.locator("[data-chart=distribution]").count() == 0
    for page in (host, *phones[1:]):  # only its author's phone holds the reason before the reveal
        assert "call centre" not in page.content()

    host.locator("[data-action=reveal]").click()
    for phone in phones:
        expect(phone.locator("[data-view=result] [data-chart=distribution]")).to_be_visible()
    counts = {
        row.get_attribute("data-answer"): int(row.get_attribute("data-count"))
        for row in phones[1].locator("[data-chart=distribution] [data-answer]").all()
    }
    assert counts == {"missing": 0, "ad_hoc": 1, "repeatable": 1, "systematic": 1, "unknown": 0}
    for phone in phones:
        for other in ("Alice", "Bob", "Carol", "call centre"):
            assert other not in phone.locator("main").inner_text()
    expect(first.locator("[data-chart=distribution] [data-mine=true]")).to_have_attribute("data-answer", "systematic")
    # bars are drawn against 100% of the rated votes: a third of the room fills a third of the track
    for row in phones[1].locator("[data-chart=distribution] [data-answer]:not([data-answer=unknown])").all():
        track = row.locator(".bar-track").bounding_box()["width"]
        fill = row.locator(".bar-fill").bounding_box()["width"]
        assert abs(fill / track - int(row.get_attribute("data-count")) / 3) < 0.02, (fill, track)
    look(first, "phone-result")
    expect(host.locator("[data-result=repair-identify]")).to_be_visible()
    host.locator("[data-action=load-reasons]").click()
    expect(host.locator("[data-reasons]")).to_contain_text("Only the call centre does it")
    look(host, "laptop-host-revealed")

    # re-vote: a second round, the shift is shown
    host.locator("[data-action=revote]").click()
    for phone in phones:
        expect(phone.locator("[data-view=vote]")).to_have_attribute("data-round", "2")
        phone.locator("[data-vote=repeatable]").click()
        expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
    host.locator("[data-action=reveal]").click()
    expect(host.locator("[data-shift]")).to_have_attribute("data-shift", "converged")

    # consolidate: the proposed level is accepted and shown in the list
    host.locator("[data-action=consolidate]").click()
    expect(host.locator("[data-practice-item=repair-identify] .level-chip")).to_have_text("Repeatable")

    # the projector follows the room
    presenter_url = host.locator("[data-presenter-link]").get_attribute("href")
    projector = pages.open(presenter_url, viewport={"width": 1280, "height": 720})
    expect(projector.locator("[data-view=result][data-practice=repair-identify]")).to_be_visible()
    look(projector, "projector-result")

    # close, with confirmation; the presenter shows the placement, phones say thank you
    host.locator("[data-action=close]").click()
    expect(host.locator("[data-close-dialog]")).to_be_visible()
    host.locator("[data-action=confirm-close]").click()
    expect(host.locator("[data-session-status]")).to_have_text("Closed")
    expect(projector.locator("[data-view=final]")).to_be_visible()
    expect(projector.locator("[data-view=final] [data-headline]")).to_have_text(re.compile(r"^In Repair: "))
    # Forrester's phases: the organisation is in Repair now, and Elevate is next
    expect(projector.locator(".ladder li[data-state=current]")).to_have_text(re.compile("Repair"))
    expect(projector.locator(".ladder li[data-state=next]")).to_have_text(re.compile("Elevate"))
    look(projector, "projector-final")
    projector.keyboard.press("ArrowRight")  # the practices take turns with the verdict
    expect(projector.locator(".heat-map")).to_be_visible()
    look(projector, "projector-final-practices")
    for phone in phones:
        expect(phone.locator("[data-view=closed]")).to_be_visible()
        expect(phone.locator("[data-view=closed] .outcome")).to_contain_text("In Repair")
    look(first, "phone-closed")
    # after close the verdict leads the facilitator's page
    verdict_card = host.locator("[data-verdict-card]")
    expect(verdict_card).to_be_visible()
    expect(verdict_card.locator("[data-headline]")).to_contain_text("In Repair:")
    assert verdict_card.bounding_box()["y"] < host.locator("[data-detail]").bounding_box()["y"]
    look(host, "laptop-host-closed-placement")


def test_results_stay_hidden_in_every_page_until_the_reveal(pages, server):
    session = api(server, "POST", "/api/sessions", {"framework": "three-levels", "title": "Hidden"})
    host = pages.open(session["facilitator_url"])
    projector = pages.open(session["presenter_url"])
    voter = pages.open(session["join_url"], device="Pixel 7")
    voter.locator("[data-action=join]").click()
    watcher = pages.open(session["join_url"], device="iPhone 13")
    watcher.locator("[data-action=join]").click()
    expect(watcher.locator("[data-view=waiting]")).to_be_visible()
    host.locator("[data-action=open]").click()
    voter.locator("[data-vote=systematic]").click()
    voter.locator("#why").fill("secret-reason-42")
    voter.locator("[data-action=save-reason]").click()
    expect(voter.locator("[data-vote-status]")).to_have_text("Saved ✓ with your reason")
    expect(host.locator("[data-detail] [data-votes-for=operational-investment]")).to_have_text("1 answer")
    expect(projector.locator("[data-votes-for=operational-investment]")).to_have_text("1 answer")
    for page in (host, projector, watcher):
        assert page.locator("[data-chart=distribution], [data-result]").count() == 0
        assert "secret-reason-42" not in page.content()
    for page in (host, projector):  # the phone has a "Systematic" button; these have no level names yet
        assert "Systematic" not in page.locator("main").inner_text()
    host.locator("[data-action=reveal]").click()
    for page in (host, projector, watcher):
        expect(page.locator("[data-chart=distribution]")).to_be_visible()


def test_an_offline_vote_is_sent_once_when_the_phone_is_back_and_a_reload_resumes(pages, server):
    session = api(server, "POST", "/api/sessions", {"framework": "three-levels", "title": "Offline"})
    host = pages.open(session["facilitator_url"])
    phone = pages.open(session["join_url"], device="iPhone 13")
    phone.locator("[data-action=join]").click()
    host.locator("[data-action=open]").click()
    expect(phone.locator("[data-view=vote]")).to_be_visible()

    phone.context.set_offline(True)
    expect(phone.locator("[data-status]")).to_have_attribute("data-connection", re.compile("offline|connecting"))
    phone.locator("[data-vote=ad_hoc]").click()
    expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "offline")
    phone.context.set_offline(False)
    expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved", timeout=15000)

    phone.reload()
    expect(phone.locator("[data-view=vote]")).to_be_visible()
    expect(phone.locator("[data-vote=ad_hoc]")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")

    host.locator("[data-action=reveal]").click()
    expect(phone.locator("[data-view=result]")).to_be_visible()  # the reveal has landed
    summary = api(server, "GET", f"/api/sessions/{session['code']}/summary", token=session["facilitator_token"])
    row = summary["practices"][0]
    assert row["rounds"][0]["votes"] == 1
    assert row["result"]["counts"]["ad_hoc"] == 1 and summary["participants"]["joined"] == 1


def test_a_vote_made_before_a_reload_is_not_lost(pages, server):
    session = api(server, "POST", "/api/sessions", {"framework": "three-levels", "title": "Reload"})
    host = pages.open(session["facilitator_url"])
    phone = pages.open(session["join_url"], device="Pixel 7")
    phone.locator("[data-action=join]").click()
    host.locator("[data-action=open]").click()
    expect(phone.locator("[data-view=vote]")).to_be_visible()  # the phone saw the practice open
    phone.context.set_offline(True)
    expect(phone.locator("[data-status]")).to_have_attribute("data-connection", re.compile("offline|connecting"))
    phone.locator("[data-vote=systematic]").click()
    phone.context.set_offline(False)
    phone.reload()  # the unsent vote waits in localStorage and goes out after the rejoin
    expect(phone.locator("[data-vote=systematic]")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved", timeout=15000)
    expect(host.locator("[data-detail] [data-votes-for=operational-investment]")).to_have_text("1 answer")


def test_keyboard_shortcuts_run_the_room(pages, server):
    session = api(server, "POST", "/api/sessions", {"framework": "temkin-five-levels", "title": "Keys"})
    host = pages.open(session["facilitator_url"])
    phone = pages.open(session["join_url"], device="iPhone 13")
    phone.locator("[data-action=join]").click()
    expect(host.locator("[data-people]")).to_have_text("1 here · 1 joined")
    host.locator("body").press("o")
    expect(phone.locator("[data-view=vote]")).to_be_visible()
    phone.locator("[data-vote=repeatable]").click()
    expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
    host.locator("body").press("r")
    expect(phone.locator("[data-view=result]")).to_be_visible()
    host.locator("body").press("c")
    expect(host.locator("[data-decision]")).to_have_attribute("data-decision", "repeatable")
    host.locator("body").press("j")
    expect(host.locator("[data-practice-item=invested-programs]")).to_have_attribute("aria-current", "true")
    host.locator("body").press("?")
    expect(host.locator("[data-shortcuts-dialog]")).to_be_visible()


def test_after_the_session_notes_downloads_follow_up_and_delete(pages, server, look):
    session = api(
        server, "POST", "/api/sessions", {"framework": "three-levels", "title": "After", "organization": "Browser Org"}
    )
    host = pages.open(session["facilitator_url"])
    phone = pages.open(session["join_url"], device="Pixel 7")
    phone.locator("[data-action=join]").click()
    host.locator("[data-action=open]").click()
    phone.locator("[data-vote=repeatable]").click()
    expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
    host.locator("[data-action=reveal]").click()
    host.locator("[data-notes]").fill("Agreed to revisit design in spring.")
    host.locator("[data-action=save-notes]").click()
    expect(host.locator("[data-notes]")).to_have_value("Agreed to revisit design in spring.")
    host.locator("[data-action=close]").click()
    host.locator("[data-action=confirm-close]").click()
    expect(host.locator("[data-session-status]")).to_have_text("Closed")
    host.locator("[data-tab=placement]").click()
    expect(host.locator("[data-benchmark]")).to_have_attribute("data-benchmark", "unavailable")
    look(host, "laptop-host-after")

    with host.expect_download() as download:
        host.locator("[data-download=md]").click()
    markdown = open(download.value.path(), encoding="utf-8").read()
    assert "Agreed to revisit design in spring." in markdown and "After" in markdown
    assert download.value.suggested_filename.endswith(f"{session['code']}.md")
    assert host.locator("[data-action=follow-up]").get_attribute("href") == f"/new?from={session['code']}"

    host.locator("[data-action=delete]").click()
    expect(host.locator("[data-delete-message]")).to_contain_text("for good")
    host.locator("[data-action=confirm-delete]").click()
    host.wait_for_url(server.url + "/")
    status, body = server.request("GET", f"/api/sessions/{session['code']}")
    assert status == 404 and body["error"] == "not_found"


def test_self_paced_the_phone_moves_through_every_open_practice(pages, server, look):
    session = api(server, "POST", "/api/sessions", {"framework": "temkin-five-levels", "title": "Self-paced"})
    host = pages.open(session["facilitator_url"])
    phone = pages.open(session["join_url"], device="iPhone 13")
    phone.locator("[data-action=join]").click()
    expect(phone.locator("[data-view=waiting]")).to_be_visible()
    host.locator("[data-action=open-all]").click()
    expect(phone.locator("[data-view=vote]")).to_be_visible()
    expect(phone.locator("[data-progress]")).to_contain_text("Practice 1 of 8")
    expect(phone.locator("[data-pager]")).to_be_visible()
    look(phone, "phone-self-paced")
    for position, level in enumerate(("repeatable", "ad_hoc", "systematic"), start=1):
        expect(phone.locator("[data-progress]")).to_contain_text(f"Practice {position} of 8")
        phone.locator(f"[data-vote={level}]").click()
        expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
        phone.locator("[data-pager] [data-action=next]").click()
    # eight practices and the room's stage vote are open
    expect(phone.locator("[data-action=overview]")).to_contain_text("3 of 9 answered")
    phone.locator("[data-action=overview]").click()
    expect(phone.locator("[data-view=overview] [data-answered=true]")).to_have_count(3)
    look(phone, "phone-self-paced-overview")
    phone.locator("[data-view=overview] button").nth(1).click()
    expect(phone.locator("[data-progress]")).to_contain_text("Practice 2 of 8")
    expect(phone.locator("[data-vote=ad_hoc]")).to_have_attribute("aria-pressed", "true")
    # the facilitator's list shows each open practice's count
    expect(host.locator("[data-practice-item=interested-important] [data-votes-for]")).to_have_text("1")
    host.locator("[data-action=reveal-all]").click()
    expect(phone.locator("[data-view=result]")).to_be_visible()


def test_the_facilitator_results_print_without_the_controls(pages, server):
    session = api(server, "POST", "/api/sessions", {"framework": "three-levels", "title": "Print"})
    host = pages.open(session["facilitator_url"])
    expect(host.locator("[data-practice-item]").first).to_be_visible()
    host.emulate_media(media="print")
    assert not host.locator("[data-action=close]").is_visible()
    assert not host.locator(".topbar").is_visible()
    assert host.locator("[data-detail]").is_visible()
    pdf = host.pdf()
    assert pdf.startswith(b"%PDF")


def test_text_being_typed_survives_live_updates(pages, server):
    session = api(server, "POST", "/api/sessions", {"framework": "three-levels", "title": "Drafts"})
    host = pages.open(session["facilitator_url"])
    second = pages.open(session["facilitator_url"])  # the same facilitator on a second device
    phone = pages.open(session["join_url"], device="Pixel 7")
    phone.locator("[data-action=join]").click()
    host.locator("[data-action=open]").click()
    phone.locator("[data-vote=repeatable]").click()
    expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
    phone.locator("#why").fill("half-typed reason")
    phone.locator("[data-practice-heading]").click()  # the keyboard closes; the input loses focus
    host.locator("[data-notes]").fill("notes in progress")
    host.locator("[data-notes]").press("End")
    second.locator("[data-action=timer-60]").click()  # a new state reaches every page
    expect(host.locator("[data-timer]")).not_to_have_text("")
    expect(host.locator("[data-notes]")).to_have_value("notes in progress")
    expect(host.locator("[data-notes]")).to_be_focused()
    expect(phone.locator("#why")).to_have_value("half-typed reason")

    second.locator("[data-action=reveal]").click()
    host.locator("[data-statistics] summary").click()
    host.locator("[data-override-note]").fill("one region only")
    second.locator("[data-practice-item=operational-design-tasks]").click()
    second.locator("[data-action=open]").click()  # another practice opens for the room
    host.locator("[data-practice-item=operational-investment]").click()
    expect(host.locator("[data-statistics]")).to_have_attribute("open", "")
    expect(host.locator("[data-override-note]")).to_have_value("one region only")


def test_creating_a_session_stays_on_the_address_the_facilitator_uses(pages, tmp_path):
    # phones reach the server by its public address; the facilitator browses another one
    from ..live import free_port, start

    port = free_port()
    server = start(tmp_path, "gevent", None, "--public-url", f"http://localhost:{port}", port=port)
    try:
        page = pages.open(f"http://127.0.0.1:{port}/new")
        page.get_by_label("Title").fill("Origins")
        page.locator("[data-organization]").fill("Origin Org")
        page.locator("[data-action=create]").click()
        # straight to the invitation: the new organisation's key shows beside it, never in the way
        expect(page.locator("[data-join-card]")).to_be_visible()
        expect(page.locator("[data-organization-created] [data-created-key]")).not_to_be_empty()
        screenshot(page, "laptop-host-new-organization")
        page.locator("[data-action=organization-key-kept]").click()
        expect(page.locator("[data-organization-created]")).to_have_count(0)
        assert page.url.startswith(f"http://127.0.0.1:{port}/host/")
        assert (
            page.locator("[data-join-dialog] a")
            .first.get_attribute("href")
            .startswith(f"http://localhost:{port}/join/")
        )
        # the organisation key is in this origin's storage: the organisation page opens with it
        page.goto(f"http://127.0.0.1:{port}/org/Origin%20Org")
        expect(page.locator("[data-page=organization]")).to_contain_text("Origins")
    finally:
        server.stop()

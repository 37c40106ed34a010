"""Pre-work in real browsers: a participant starts on a phone, finishes on a laptop through the
resume link, the deadline passes on the server's clock, the facilitator reveals in the room, accepts
the agreed practices after seeing the list, re-votes a divided one live, and the summary shows the
shift. Screenshots (light and dark) of the phone in pre-work, the facilitator's panel and the
acceptance list go to screenshots/."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from ..live import Phone, wait_for
from .conftest import api, screenshot

pytestmark = pytest.mark.browser

PHONE_ZONE = "Asia/Tokyo"  # the facilitator's zone is the browser default; the phone's is another


def in_days(days: float) -> str:
    """A datetime-local value ``days`` from now, in the facilitator browser's zone (UTC here)."""
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_pre_work_from_phone_to_laptop_to_the_room(pages, server, look):
    session = api(server, "POST", "/api/sessions", {"framework": "forrester-path", "title": "Pre-work, then the room"})
    code, token = session["code"], session["facilitator_token"]
    host = pages.open(session["facilitator_url"], viewport={"width": 1440, "height": 900}, timezone_id="UTC")

    # the facilitator turns pre-work on, with the workshop's time, from the page
    panel = host.locator("[data-prework-panel=none]")
    expect(panel).to_be_visible()
    panel.locator("summary").click()
    host.locator("[data-prework-deadline-input]").fill(in_days(2))
    host.locator("[data-prework-workshop-input]").fill(in_days(3))
    host.locator("[data-action=start-prework]").click()
    expect(host.locator("[data-prework-panel=open]")).to_be_visible()
    practices = [p["id"] for p in server.summary(session)["practices"]]
    assert len(practices) == 13

    # a participant starts on a phone in another time zone
    phone = pages.open(session["join_url"], device="iPhone 13", timezone_id=PHONE_ZONE, locale="en-GB")
    expect(phone.locator("[data-prework-join]")).to_be_visible()
    phone.locator("[data-action=join]").click()
    banner = phone.locator("[data-prework-banner]")
    expect(banner).to_contain_text(PHONE_ZONE)
    deadline = datetime.fromisoformat(server.summary(session)["prework"]["deadline"])
    tokyo = deadline.astimezone(ZoneInfo(PHONE_ZONE))
    expect(phone.locator("[data-prework-deadline]")).to_contain_text(tokyo.strftime("%H:%M"))
    for level in ("repeatable", "ad_hoc", "systematic", "repeatable", "unknown"):
        phone.locator(f"[data-vote={level}]").click()
        expect(phone.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
        phone.locator("[data-action=next]").click()
    resume = phone.locator("[data-resume]")
    resume.locator("summary").click()
    expect(resume).to_contain_text("whoever has it can answer as you")
    look(phone, "phone-prework")
    link = phone.locator("[data-resume-link]").input_value()
    kept = phone.evaluate(f"JSON.parse(localStorage.getItem('workshop:participant:{code}'))")
    assert link.endswith(f"/join/{code}#resume={kept}")

    # ... and finishes on a laptop through the resume link: the same participant, answers and all
    laptop = pages.open(link, viewport={"width": 1280, "height": 800}, timezone_id="Europe/Paris")
    expect(laptop.locator("[data-view=vote]")).to_be_visible()
    assert "resume=" not in laptop.url  # the token left the address bar
    expect(laptop.locator("[data-view=vote]")).to_have_attribute("data-practice", practices[5])
    laptop.locator("[data-action=previous]").click()
    expect(laptop.locator("[data-vote=unknown]")).to_have_attribute("aria-pressed", "true")
    laptop.locator("[data-vote=ad_hoc]").click()  # changed on the laptop
    expect(laptop.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
    laptop.locator("[data-action=next]").click()
    for _ in practices[5:-1]:
        laptop.locator("[data-vote=repeatable]").click()
        expect(laptop.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
        laptop.locator("[data-action=next]").click()
    laptop.locator("[data-vote=repeatable]").click()
    expect(laptop.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
    laptop.locator("[data-action=finish]").click()
    expect(laptop.locator("[data-view=done]")).to_contain_text("You answered all 13 practices")
    screenshot(laptop, "laptop-prework-done")

    # five more people answer from their desks: one practice divides them
    others = [Phone(server.url) for _ in range(5)]
    divided = practices[2]
    try:
        for index, person in enumerate(others):
            assert person.call("join", {"code": code})["ok"]
            for practice in practices:
                level = ("missing", "systematic")[index % 2] if practice == divided else "repeatable"
                assert person.call("vote", {"practice": practice, "level": level})["ok"]
        summary = server.summary(session)
        assert (summary["prework"]["started"], summary["prework"]["finished"]) == (6, 6)
        expect(host.locator("[data-prework-finished]")).to_have_text("6")
        expect(host.locator("[data-prework-started]")).to_have_text("6")
        look(host, "laptop-host-prework-open")
        dark = pages.open(session["facilitator_url"], viewport={"width": 1440, "height": 900}, color_scheme="dark")
        expect(dark.locator("[data-prework-panel=open]")).to_be_visible()
        look(dark, "laptop-host-prework-open-dark")
        dark_phone = pages.open(link, device="Pixel 7", color_scheme="dark", timezone_id=PHONE_ZONE)
        expect(dark_phone.locator("[data-prework-banner]")).to_be_visible()
        dark_phone.locator("[data-resume] summary").click()
        look(dark_phone, "phone-prework-dark")

        # the deadline: set four seconds ahead, then it passes on the server's clock
        host_socket = Phone(server.url)
        host_socket.call("host", {"code": code, "facilitator_token": token})
        soon = (datetime.now(UTC) + timedelta(seconds=4)).isoformat(timespec="seconds")
        assert host_socket.call("prework", {"deadline": soon})["ok"]
        expect(laptop.locator("[data-view=prework-closed]")).to_be_visible(timeout=15000)
        late = others[0].call("vote", {"practice": practices[0], "level": "missing"})
        assert late["error"] == "not_open" and "pre-work closed" in late["message"]
        expect(host.locator("[data-prework-panel=closed]")).to_be_visible()
        look(laptop, "laptop-prework-closed")

        # in the room: reveal, then accept the agreed practices after seeing the list
        host.locator("[data-action=reveal-prework]").click()
        expect(host.locator("[data-prework-panel=revealed]")).to_be_visible()
        host.locator("[data-action=accept-agreed]").click()
        dialog = host.locator("[data-accept-dialog]")
        expect(dialog).to_be_visible()
        assert dialog.locator("[data-accept-item]").count() == 12
        assert dialog.locator(f"[data-accept-item={divided}]").count() == 0
        look(host, "laptop-host-accept-agreed")
        host.locator("[data-action=confirm-accept]").click()
        expect(host.locator("[data-prework-divided]")).to_contain_text("1 practice divides the group")
        # the page sends the acceptance over its socket: wait for the server to have recorded it
        wait_for(lambda: sum(1 for p in server.summary(session)["practices"] if p["decision"]) == 12, timeout=10)
        decided = [p for p in server.summary(session)["practices"] if p["decision"]]
        assert len(decided) == 12 and all(p["decision"]["round"] == 1 and not p["decision"]["note"] for p in decided)

        # the divided practice is discussed and re-voted live; the laptop votes in the room too
        host.locator(f"[data-queue-item={divided}] button").click()
        host.locator("[data-action=revote]").click()
        expect(laptop.locator("[data-view=vote]")).to_have_attribute("data-round", "2")
        laptop.locator("[data-vote=ad_hoc]").click()
        expect(laptop.locator("[data-vote-status]")).to_have_attribute("data-vote-status", "saved")
        for person in others:
            assert person.call("vote", {"practice": divided, "level": "ad_hoc"})["ok"]
        wait_for(lambda: next(p for p in server.summary(session)["practices"] if p["id"] == divided)["votes"] == 6)
        host.locator("[data-action=reveal]").click()
        expect(host.locator("[data-shift]")).to_have_attribute("data-shift", "converged")
        host.locator("[data-action=consolidate]").click()
        screenshot(host, "laptop-host-prework-after-room")
        shift = next(p for p in server.summary(session)["practices"] if p["id"] == divided)["shift"]
        assert (shift["from_round"], shift["to_round"], shift["kind"]) == (1, 2, "converged")
        status, markdown = export_text(server, code, token)
        assert status == 200
        assert "Settled by pre-work: twelve practices; in the room: one practice" in markdown
        assert "From pre-work to the room" in markdown and "The group converged" in markdown
        host_socket.close()
    finally:
        for person in others:
            person.close()


def export_text(server, code: str, token: str):
    import urllib.request

    request = urllib.request.Request(f"{server.url}/api/sessions/{code}/export?format=md")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status, response.read().decode("utf-8")

"""The phone's flow on WebKit (Safari's engine) and Firefox, the browsers most participants hold.

Chromium runs the whole browser suite through Playwright; here each engine gets a phone-sized
window (390 x 844) driven through its own protocol (see engines.py), and the phone reaches the
server through a proxy that the test can cut, so "offline" means the same on every engine. The
facilitator acts over Socket.IO from Python. Elements are found by the phone page's data-*
contract only: [data-view=join|waiting|vote|result], [data-name], [data-action=join],
[data-vote=<level>] with aria-pressed and [data-vote-status]; beyond it, the connection indicator
[data-status][data-connection] tells when the phone has noticed that its network was cut.
"""

import pytest

from ..live import Phone, wait_for
from . import engines
from .conftest import SCREENSHOTS, api, unavailable

pytestmark = pytest.mark.browser

RECONNECT_TIMEOUT = 20.0  # offline, the page retries every 0.5 to 4 s (jittered), then rejoins and resends


@pytest.fixture(scope="session")
def virtual_display():
    display = engines.VirtualDisplay()
    yield display
    display.stop()


@pytest.fixture(params=engines.ENGINES)
def phone(request, tmp_path):
    """A fresh phone-sized browser of one engine (own storage); fails the test if its pages logged errors."""
    engine = request.param
    reason = engines.missing(engine)
    if reason:
        unavailable(reason)
    display = request.getfixturevalue("virtual_display") if engine == "webkit" else None
    try:
        browser = engines.launch(engine, tmp_path / f"{engine}.log", display)
    except engines.BrowserError as error:
        unavailable(f"{engine} did not start: {error}")
    try:
        yield browser
        errors = browser.errors()
    finally:
        browser.close()
    assert not errors, f"{engine}: the pages logged errors:\n" + "\n".join(errors)


@pytest.fixture
def network(server):
    """The phone's network: a proxy in front of the server that can be cut and restored."""
    proxy = engines.Proxy.to(server.url)
    yield proxy
    proxy.close()


class Facilitator:
    """The facilitator of a new session, over Socket.IO from Python (straight to the server, not through the proxy)."""

    def __init__(self, server):
        self.server = server
        self.session = api(server, "POST", "/api/sessions", {"framework": "three-levels", "title": "Engines"})
        self.code = self.session["code"]
        self.client = Phone(server.url)
        ack = self.act("host", {"code": self.code, "facilitator_token": self.session["facilitator_token"]})
        self.first_practice = ack["state"]["practices"][0]["id"]

    def act(self, event: str, payload=None) -> dict:
        ack = self.client.call(event, payload)
        assert ack["ok"], (event, ack)
        return ack

    def summary(self) -> dict:
        return self.server.summary(self.session)

    def practice(self, practice_id: str) -> dict:
        return next(row for row in self.summary()["practices"] if row["id"] == practice_id)


@pytest.fixture
def facilitator(server):
    host = Facilitator(server)
    yield host
    host.client.close()


def join(phone, network, facilitator, name: str | None = None) -> None:
    phone.open(f"{network.url}/join/{facilitator.code}")
    assert phone.viewport() == engines.PHONE_SIZE
    phone.expect_visible("[data-view=join]")
    if name:
        phone.fill("[data-view=join] [data-name]", name)
    phone.click("[data-view=join] [data-action=join]")
    phone.expect_visible("[data-view=waiting]")


def screenshot(phone, name: str) -> None:
    """Save what the phone shows under screenshots/ (git-ignored) for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    phone.screenshot(SCREENSHOTS / f"phone-{phone.engine}-{name}.png")


def vote_view(practice: str) -> str:
    return f"[data-view=vote][data-practice={practice}]"


def pressed(phone, practice: str) -> list[str]:
    """The answers the vote screen shows as chosen."""
    return [
        level
        for level, state in zip(
            phone.values(f"{vote_view(practice)} [data-vote]", "data-vote"),
            phone.values(f"{vote_view(practice)} [data-vote]", "aria-pressed"),
        )
        if state == "true"
    ]


def test_a_phone_joins_votes_and_finds_its_place_and_answer_after_a_reload(phone, network, facilitator):
    practice = facilitator.first_practice
    join(phone, network, facilitator, name="Ana")

    facilitator.act("open", {"practice": practice})
    phone.expect_visible(vote_view(practice))
    assert pressed(phone, practice) == []
    phone.click(f"{vote_view(practice)} [data-vote=systematic]")
    phone.expect_attribute("[data-vote-status]", "data-vote-status", "saved")
    assert pressed(phone, practice) == ["systematic"]
    screenshot(phone, "vote-saved")

    phone.reload()
    phone.expect_visible(vote_view(practice))
    phone.expect_attribute(f"{vote_view(practice)} [data-vote=systematic]", "aria-pressed", "true")
    phone.expect_attribute("[data-vote-status]", "data-vote-status", "saved")
    assert pressed(phone, practice) == ["systematic"]

    # the same participant came back: still one person, under the name given, and one vote
    roster = wait_for(
        lambda: (found := facilitator.act("roster")) and found["present"] == 1 and found, timeout=RECONNECT_TIMEOUT
    )
    assert roster["joined"] == 1 and roster["named"] == [{"name": "Ana", "present": True}], roster
    assert facilitator.practice(practice)["rounds"][0]["votes"] == 1


def test_a_vote_made_offline_is_delivered_once_and_the_reveal_shows_the_result(phone, network, facilitator):
    practice = facilitator.first_practice
    join(phone, network, facilitator)  # no name: it is optional
    facilitator.act("open", {"practice": practice})
    phone.expect_visible(vote_view(practice))
    phone.click(f"{vote_view(practice)} [data-vote=ad_hoc]")
    phone.expect_attribute("[data-vote-status]", "data-vote-status", "saved")

    network.cut()
    phone.expect_attribute("[data-status]", "data-connection", {"offline", "connecting"})
    phone.click(f"{vote_view(practice)} [data-vote=repeatable]")
    phone.expect_attribute("[data-vote-status]", "data-vote-status", "offline")
    assert pressed(phone, practice) == ["repeatable"]
    screenshot(phone, "vote-offline")

    network.restore()
    phone.expect_attribute("[data-vote-status]", "data-vote-status", "saved", timeout=RECONNECT_TIMEOUT)
    assert pressed(phone, practice) == ["repeatable"]
    summary = facilitator.summary()
    assert summary["participants"]["joined"] == 1, summary["participants"]
    assert [round_["votes"] for round_ in facilitator.practice(practice)["rounds"]] == [1]

    facilitator.act("reveal", {"practice": practice})
    phone.expect_visible(f"[data-view=result][data-practice={practice}]")
    screenshot(phone, "result")
    result = facilitator.practice(practice)["result"]
    # the answer changed offline is the one counted, once; the first one was replaced, not added
    assert result["voters"] == 1 and result["counts"]["repeatable"] == 1 and result["counts"]["ad_hoc"] == 0, result
    assert facilitator.summary()["participants"]["joined"] == 1

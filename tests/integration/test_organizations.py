"""Organisations over HTTP: the key that protects them, their page, trends and comparisons."""

from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from tests.summary_helpers import auth, play


def create(client, organization=None, key=None, **extra):
    body = {"framework": "forrester-path", "title": "Check", **extra}
    if organization is not None:
        body["organization"] = organization
    if key is not None:
        body["organization_key"] = key
    return client.post("/api/sessions", json=body)


def org(client, name, key=None, query=""):
    return client.get(f"/api/orgs/{quote(name, safe='')}{query}", headers=auth(key) if key else {})


def test_a_new_organisation_gets_a_key_once(client, service):
    response = create(client, "Acme")
    assert response.status_code == 201
    body = response.json
    assert len(body["organization_key"]) >= 32  # 192 random bits, URL-safe base64
    assert body["organization_url"] == f"http://workshop.test/org/Acme#key={body['organization_key']}"
    stored = service.store.database.scalar("SELECT key_hash FROM organizations")
    assert body["organization_key"] not in stored and len(stored) == 64  # only its SHA-256 is kept
    again = create(client, "Acme", key=body["organization_key"])
    assert again.status_code == 201 and "organization_key" not in again.json
    assert again.json["organization_url"] == "http://workshop.test/org/Acme"


@pytest.mark.parametrize("name", ["Acme", "acme", "  ACME  "])
def test_an_existing_organisation_needs_its_key(client, name):
    key = create(client, "Acme").json["organization_key"]
    refused = create(client, name)
    assert refused.status_code == 403 and refused.json["error"] == "forbidden"
    assert refused.json["message"] == (
        "organisation Acme already exists; give its organisation key, or use another name"
    )
    wrong = create(client, name, key="w" * 32)
    assert wrong.status_code == 403 and "does not open organisation Acme" in wrong.json["message"]
    allowed = create(client, name, key=key)
    assert allowed.status_code == 201 and allowed.json["organization"] == "Acme"  # the name as first registered


def test_a_refused_session_creates_nothing(client, service):
    create(client, "Acme")
    assert create(client, "Acme").status_code == 403
    assert service.store.database.count("assessments") == 1 and service.store.database.count("organizations") == 1
    # a session that fails for another reason does not leave an organisation behind either
    assert create(client, "Ghost", framework="nope").status_code == 404
    assert service.store.database.count("organizations") == 1


def test_sessions_without_an_organisation_need_nothing_and_keys_need_an_organisation(client):
    assert create(client).status_code == 201
    assert create(client).status_code == 201
    lone_key = create(client, key="k" * 32)
    assert lone_key.status_code == 400 and "without an organization" in lone_key.json["message"]
    malformed = create(client, "Acme", key="not a key!")
    assert malformed.status_code == 400 and "organization_key" in malformed.json["message"]


def test_the_organisation_api_needs_the_key_and_leaks_nothing_without_it(client):
    key = create(client, "Acme", title="Secret plans").json["organization_key"]
    other_key = create(client, "Globex").json["organization_key"]
    assert org(client, "Acme").status_code == 401
    assert "Secret plans" not in org(client, "Acme").get_data(as_text=True)
    wrong = org(client, "Acme", other_key)
    assert wrong.status_code == 403 and wrong.json["error"] == "forbidden"
    assert org(client, "Nobody", key).status_code == 404
    body = org(client, "acme", key).json
    assert body["organization"]["name"] == "Acme" and body["organization"]["review_months"] == 6
    assert [session["title"] for session in body["sessions"]] == ["Secret plans"]
    page = client.get("/org/Acme")
    assert page.status_code == 200 and b"Secret plans" not in page.data and b"data-org-api" in page.data


VOTES = [
    {
        "repair-identify": ["repeatable"] * 3,
        "repair-prioritise": ["ad_hoc"] * 3,
        "repair-coordinate": ["missing"] * 3,
        "repair-measure": ["repeatable"] * 3,
    },
    {
        "repair-identify": ["repeatable"] * 3,
        "repair-prioritise": ["repeatable"] * 3,
        "repair-coordinate": ["repeatable"] * 3,
        "repair-measure": ["repeatable"] * 3,
        "elevate-reward": ["missing", "systematic", "missing"],
    },
    {
        "repair-identify": ["systematic"] * 3,
        "repair-prioritise": ["repeatable"] * 3,
        "repair-coordinate": ["ad_hoc"] * 3,
        "repair-measure": ["repeatable"] * 3,
        "elevate-reward": ["ad_hoc"] * 3,
    },
]


def three_assessments(client, clock, facilitator, join_participant):
    sessions = []
    key = None
    for index, votes in enumerate(VOTES):
        # spread them over time, as a real organisation would: 1 March 2023, 2024, 2025
        clock.time = datetime(2023 + index, 3, 1, 9, 0, tzinfo=UTC).timestamp()
        response = create(
            client,
            "Acme",
            key=key,
            title=f"Assessment {index + 1}",
            **({"previous": sessions[-1]["code"]} if sessions else {}),
        )
        assert response.status_code == 201, response.json
        session = response.json
        key = key or session["organization_key"]
        play(session, facilitator, join_participant, votes, consolidate=list(votes), close=True)
        sessions.append(session)
    return sessions, key


def test_trend_and_comparison_over_three_assessments(client, clock, facilitator, join_participant):
    sessions, key = three_assessments(client, clock, facilitator, join_participant)
    body = org(client, "Acme", key).json
    assert [s["code"] for s in body["sessions"]] == [s["code"] for s in reversed(sessions)]
    (trend,) = body["trends"]
    assert trend["framework"] == "forrester-path" and trend["placement"] == [1, 2, 1]  # Repair, Elevate, Repair
    coordinate = next(p for p in trend["practices"] if p["practice"] == "repair-coordinate")
    assert coordinate["levels"] == ["missing", "repeatable", "ad_hoc"] and coordinate["change"] == 1
    (default,) = body["comparisons"]
    assert default["earlier"]["code"] == sessions[1]["code"] and default["later"]["code"] == sessions[2]["code"]
    assert [c["practice"] for c in default["regressed"]] == ["repair-coordinate"]
    assert [c["practice"] for c in default["improved"]] == ["repair-identify", "elevate-reward"]
    assert [c["practice"] for c in default["still_stuck"]] == ["elevate-reward"]  # better, still Ad Hoc
    assert default["stage_change"] == -1

    chosen = org(client, "Acme", key, f"?from={sessions[0]['code']}&to={sessions[1]['code']}").json["comparison"]
    assert {c["practice"] for c in chosen["actions_done"]} == {"repair-prioritise", "repair-coordinate"}
    assert [c["practice"] for c in chosen["new_disagreements"]] == ["elevate-reward"]
    assert chosen["summary"].startswith("Moved up from Repair to Elevate")

    assert body["due"]["last"] == "2025-03-01" and body["due"]["due"] == "2025-09-01"
    assert body["next"] == {"from": sessions[2]["code"], "url": f"/new?from={sessions[2]['code']}"}


def test_comparisons_stay_within_the_organisation_and_the_framework(client, clock, facilitator, join_participant):
    sessions, key = three_assessments(client, clock, facilitator, join_participant)
    outsider = create(client, "Globex").json
    response = org(client, "Acme", key, f"?from={sessions[0]['code']}&to={outsider['code']}")
    assert response.status_code == 404 and "not an assessment of Acme" in response.json["message"]
    other_framework = create(client, "Acme", key=key, framework="three-levels").json
    response = org(client, "Acme", key, f"?from={sessions[0]['code']}&to={other_framework['code']}")
    assert response.status_code == 400 and "same framework" in response.json["message"]
    assert org(client, "Acme", key, f"?from={sessions[0]['code']}").status_code == 400


def test_the_review_interval_moves_the_due_date(client, clock, facilitator, join_participant):
    sessions, key = three_assessments(client, clock, facilitator, join_participant)
    url = "/api/orgs/Acme"
    assert client.patch(url, json={"review_months": 3}).status_code == 401
    assert client.patch(url, json={"review_months": 0}, headers=auth(key)).status_code == 400
    assert client.patch(url, json={"review_months": "6"}, headers=auth(key)).status_code == 400
    assert client.patch(url, json={"months": 3}, headers=auth(key)).status_code == 400
    response = client.patch(url, json={"review_months": 3}, headers=auth(key))
    assert response.status_code == 200 and response.json["review_months"] == 3
    assert org(client, "Acme", key).json["due"]["due"] == "2025-06-01"


def test_starting_the_next_assessment_keeps_framework_organisation_and_segments(client, new_session):
    first = new_session(organization="Acme", settings={"segments": ["Leadership", "Frontline"]})
    page = client.get(f"/new?from={first['code']}").get_data(as_text=True)
    assert 'value="Acme"' in page and "Leadership, Frontline" in page
    assert "data-organization-key" in page  # a key can be pasted when this browser lacks it
    follow_up = create(
        client,
        "Acme",
        key=first["organization_key"],
        previous=first["code"],
        settings={"segments": ["Leadership", "Frontline"]},
    )
    assert follow_up.status_code == 201
    assert create(client, "Acme", previous=first["code"]).status_code == 403


def test_the_organisation_page_and_scripts_are_served(client):
    assert client.get("/org/Acme%20Retail").status_code == 200
    assert client.get("/org/a%2Fb").status_code == 200
    for script in ("org.js", "organization.js", "new.js"):
        assert client.get(f"/static/js/{script}").status_code == 200


@pytest.mark.parametrize(
    "lookalike",
    [
        "Acme Retail\u200d",  # a trailing zero-width joiner
        "\uff21\uff43\uff4d\uff45 Retail",  # full-width letters
        "Acm\u0435 Retail",  # a Cyrillic "е"
        "Acme Reta\u0456l",  # a Cyrillic "і"
        "\u202eAcme Retail",  # a bidirectional override
    ],
)
def test_a_name_that_looks_like_an_existing_organisation_is_not_a_second_one(client, lookalike):
    first = client.post(
        "/api/sessions", json={"framework": "three-levels", "title": "t", "organization": "Acme Retail"}
    )
    assert first.status_code == 201
    response = client.post("/api/sessions", json={"framework": "three-levels", "title": "t", "organization": lookalike})
    assert response.status_code == 403, response.json
    assert "Acme Retail" in response.json["message"]
    names = [
        organization.name
        for organization in client.application.extensions["workshop.service"].store.organizations.all()
    ]
    assert names == ["Acme Retail"]


def test_names_that_only_look_different_in_digits_or_words_are_separate_organisations(client):
    for name in ("Acme Retail 1", "Acme Retail 2", "Acme Wholesale"):
        response = client.post("/api/sessions", json={"framework": "three-levels", "title": "t", "organization": name})
        assert response.status_code == 201, (name, response.json)

"""The documented HTTP API: frameworks, session creation, the facilitator's summary, the QR code."""

import re

from workshop.core.protocol import CODE_ALPHABET


def test_frameworks_lists_every_shipped_model_with_stages_and_practices(client):
    body = client.get("/api/frameworks").json
    by_id = {framework["id"]: framework for framework in body["frameworks"]}
    assert set(by_id) == {
        "forrester-path",
        "temkin-five-levels",
        "improve-transform-sustain",
        "temkin-six-stages",
        "three-levels",
    }
    assert [s["name"] for s in by_id["temkin-six-stages"]["stages"]] == [
        "Ignore",
        "Explore",
        "Mobilize",
        "Operationalize",
        "Align",
        "Embed",
    ]
    practice = by_id["forrester-path"]["stages"][0]["practices"][0]
    assert set(practice) >= {"id", "text"}


def test_creating_a_session_returns_code_secret_and_urls(client):
    response = client.post(
        "/api/sessions", json={"framework": "three-levels", "title": "Spring review", "organization": "Acme"}
    )
    assert response.status_code == 201
    body = response.json
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{6}}", body["code"])
    assert len(body["facilitator_token"]) >= 22  # >= 128 random bits, URL-safe base64
    assert body["join_url"] == f"http://workshop.test/join/{body['code']}"
    assert body["facilitator_url"].endswith(f"/host/{body['code']}#key={body['facilitator_token']}")
    assert body["presenter_url"].startswith(f"http://workshop.test/present/{body['code']}#key=")
    assert body["facilitator_token"] not in body["presenter_url"]


def test_codes_and_secrets_are_unique(client):
    bodies = [client.post("/api/sessions", json={"framework": "three-levels", "title": "t"}).json for _ in range(30)]
    assert len({b["code"] for b in bodies}) == 30
    assert len({b["facilitator_token"] for b in bodies}) == 30


def test_summary_reports_status_participants_and_counts(client, new_session, facilitator, join_participant):
    session = new_session(framework="temkin-five-levels")
    host = facilitator(session)
    phones = [join_participant(session) for _ in range(3)]
    host.emit("open", {"practice": "interested-important"})
    for phone, level in zip(phones, ("missing", "missing", "unknown")):
        phone.emit("vote", {"practice": "interested-important", "level": level})
    host.emit("reveal", {"practice": "interested-important"})
    body = client.get(
        f"/api/sessions/{session['code']}/summary",
        headers={"Authorization": f"Bearer {session['facilitator_token']}"},
    ).json
    assert body["status"] == "running" and body["participants"] == {"joined": 3, "present": 3}
    row = body["practices"][0]
    assert row["id"] == "interested-important" and row["text"].startswith("We ") and row["stage_name"] == "Interested"
    assert row["rounds"][0]["result"]["counts"] == {
        "missing": 2,
        "ad_hoc": 0,
        "repeatable": 0,
        "systematic": 0,
        "unknown": 1,
    }
    assert row["consolidated_level"] is None
    assert [r["status"] for r in body["practices"][1:]] == ["pending"] * 8
    # Temkin's five levels end with the room's stage vote, answered with a stage
    assert body["practices"][-1]["kind"] == "stage_vote" and body["practices"][-1]["stage"] is None


def test_public_session_info_and_pages(client, new_session):
    session = new_session(organization="Acme", settings={"segments": ["Leadership", "Frontline"]})
    info = client.get(f"/api/sessions/{session['code'].lower()}").json
    assert info["segments"] == ["Leadership", "Frontline"] and info["organization"] == "Acme"
    assert "facilitator_token" not in str(info)
    for path in ("/", "/new", f"/join/{session['code']}", f"/host/{session['code']}", f"/present/{session['code']}"):
        assert client.get(path).status_code == 200, path
    assert client.get("/host/ZZZZZZ").status_code == 404
    svg = client.get(f"/qr/{session['code']}.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data


def test_the_sessions_framework_is_served_once_and_embedded_in_its_pages(client, new_session):
    session = new_session(framework="temkin-six-stages")
    response = client.get(f"/api/sessions/{session['code']}/framework")
    assert response.status_code == 200 and "immutable" in response.headers["Cache-Control"]
    assert [stage["name"] for stage in response.json["stages"]][0] == "Ignore"
    assert response.json["stages"][0]["key_obstacle"] == "Generating awareness and interest."
    for path in (f"/join/{session['code']}", f"/host/{session['code']}", f"/present/{session['code']}"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="bootstrap"' in page and "Operationalize" in page, path
    assert client.get("/api/sessions/ZZZZZZ/framework").json["error"] == "not_found"


def test_pages_carry_a_content_security_policy_and_unknown_pages_a_friendly_404(client, new_session):
    session = new_session()
    page = client.get(f"/join/{session['code']}")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "<script>" not in page.get_data(as_text=True)  # no inline script for the policy to allow
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and b"start page" in missing.data
    assert client.get("/api/no-such").json["error"] == "not_found"


def test_the_landing_form_without_javascript_goes_to_the_session(client, new_session):
    code = new_session()["code"]
    spaced = f"{code[:3]} {code[3:]}".upper()
    response = client.get("/join", query_string={"code": spaced})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/join/{code}")


def test_the_landing_form_with_a_malformed_code_says_why_on_the_page(client):
    response = client.get("/join", query_string={"code": "not a code!"})
    assert response.status_code == 400
    assert "text/html" in response.content_type
    assert "code" in response.get_data(as_text=True).lower()
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_forged_host_header_never_reaches_join_links_or_qr_codes(client, new_session):
    response = client.post(
        "/api/sessions", json={"framework": "three-levels", "title": "t"}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)
    created = new_session()
    qr = client.get(f"/qr/{created['code']}.svg", headers={"Host": "evil.example"})
    assert qr.status_code == 400
    page = client.get(f"/join/{created['code']}", headers={"Host": "evil.example"})
    assert page.status_code == 400 and "text/html" in page.content_type
    # the server's own names still work, and links always carry the public address
    for host in ("localhost", "127.0.0.1:5000", "workshop.test"):
        body = client.post(
            "/api/sessions", json={"framework": "three-levels", "title": "t"}, headers={"Host": host}
        ).json
        assert body["join_url"].startswith("http://workshop.test/join/")


def test_trusted_hosts_are_the_public_name_loopback_and_the_named_extras():
    from workshop.web.links import trusted_hosts

    hosts = trusted_hosts("https://workshop.example.org", ["cx.example.org"])
    assert hosts[:1] == ["workshop.example.org"]
    assert {"localhost", "127.0.0.1", "::1", "cx.example.org"} <= set(hosts)
    assert "evil.example" not in hosts

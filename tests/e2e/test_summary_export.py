"""End to end: a workshop on the real gevent server, then its summary downloaded over HTTP, read
from the command line while the server runs, its organisation page, and its deletion."""

import json
import subprocess
import sys
import urllib.request
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.e2e


def download(server, path: str, token: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


def test_summary_organisation_and_deletion_on_the_real_server(start_server, phones, tmp_path, new_database):
    database = new_database("export")
    server = start_server("gevent", database)
    session = server.new_session(organization="E2E Org", settings={"segments": ["Leadership", "Frontline"]})
    assert session["organization_key"]
    host = phones(server.url)
    assert host.call("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})["ok"]
    people = [phones(server.url) for _ in range(4)]
    for index, phone in enumerate(people):
        assert phone.call(
            "join",
            {"code": session["code"], "name": f"Person {index}", "segment": ("Leadership", "Frontline")[index % 2]},
        )["ok"]
    assert host.call("open", {"practice": "*"})["ok"]
    for phone, level in zip(people, ("repeatable", "repeatable", "ad_hoc", "unknown")):
        assert phone.call("vote", {"practice": "repair-identify", "level": level, "note": f"said {level}"})["ok"]
    assert host.call("close", {})["ok"]

    status, headers, pdf = download(
        server, f"/api/sessions/{session['code']}/export?format=pdf", session["facilitator_token"]
    )
    assert status == 200 and pdf.startswith(b"%PDF") and headers["Content-Type"] == "application/pdf"
    assert "attachment" in headers["Content-Disposition"]
    _, _, html = download(server, f"/api/sessions/{session['code']}/export?format=html", session["organization_key"])
    page = html.decode()
    assert "Person 0" not in page and "said ad_hoc" in page and 'src="http' not in page

    # the command line reads the same database while the server runs, and writes the same summary
    target = tmp_path / "summary.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "workshop",
            "export",
            session["code"],
            "--format",
            "json",
            "-o",
            str(target),
            "--db",
            str(database),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    _, _, served = download(server, f"/api/sessions/{session['code']}/export?format=json", session["facilitator_token"])
    from_cli, from_server = json.loads(target.read_text()), json.loads(served)
    from_cli.pop("generated_at"), from_server.pop("generated_at")
    assert from_cli == from_server

    status, body = server.request("GET", f"/api/orgs/{quote('E2E Org')}", token=session["organization_key"])
    assert status == 200 and [s["code"] for s in body["sessions"]] == [session["code"]]
    assert server.request("GET", f"/api/orgs/{quote('E2E Org')}")[0] == 401

    status, body = server.request("DELETE", f"/api/sessions/{session['code']}", token=session["facilitator_token"])
    assert status == 200 and body["removed"]["votes"] == 4 and body["removed"]["participants"] == 4
    assert server.request("GET", f"/api/sessions/{session['code']}")[0] == 404
    # the server keeps serving the room after the deletion
    assert server.request("GET", "/api/frameworks")[0] == 200
    assert server.new_session()["code"]

"""The pieces of the hardened gevent handler that are plain functions."""

import os

from geventwebsocket.websocket import Header

from workshop.serve import connection_cap, http_error, unmask


def test_unmasking_matches_gevent_websockets_own_byte_by_byte_loop():
    for size in (0, 1, 3, 4, 5, 127, 65_536, 65_537):
        payload, mask = os.urandom(size), os.urandom(4)
        header = Header()
        header.mask, header.length = mask, size
        assert unmask(mask, payload) == bytes(header.unmask_payload(payload))


def test_one_address_never_gets_more_than_half_the_open_files():
    assert connection_cap(5000, 20_000) == 5000
    assert connection_cap(5000, 1024) == 512
    assert connection_cap(5000, 64) == 64  # a floor: a tiny limit still serves someone
    assert connection_cap(0, 1024) == 0  # no cap asked for


def test_errors_answered_before_the_app_keep_the_apps_shape():
    api = http_error("414 URI Too Long", "/api/sessions/ABC", "too long")
    assert b'{"error": "too_large", "message": "too long"}' in api and b"application/json" in api
    page = http_error("414 URI Too Long", "/join", "<too> long")
    assert b"text/html" in page and b"&lt;too&gt; long" in page and b"Connection: close" in page

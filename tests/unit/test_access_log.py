"""The access log is off by default and, when on, never records a transport id (whoever has it can
read and write that phone's connection)."""

import logging

from workshop import serve


def test_access_log_is_quiet_unless_asked_for():
    serve.configure_access_log(False)
    assert not logging.getLogger("workshop.access").isEnabledFor(logging.INFO)
    serve.configure_access_log(True)
    assert logging.getLogger("workshop.access").isEnabledFor(logging.INFO)
    serve.configure_access_log(False)


def test_access_log_redacts_the_engineio_session_id(caplog):
    serve.configure_access_log(True)
    try:
        logger = logging.getLogger("workshop.access")
        with caplog.at_level(logging.INFO, logger="workshop.access"):
            logger.info('127.0.0.1 "GET /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1" 200', "Zk3xQ9-secret")
        assert caplog.records
        text = caplog.records[-1].getMessage()
        assert "Zk3xQ9-secret" not in text
        assert "sid=…" in text and "transport=polling" in text
    finally:
        serve.configure_access_log(False)


def test_configuring_twice_adds_one_filter():
    serve.configure_access_log(True)
    serve.configure_access_log(True)
    filters = logging.getLogger("workshop.access").filters
    assert sum(isinstance(item, serve.RedactTransportIds) for item in filters) == 1
    serve.configure_access_log(False)

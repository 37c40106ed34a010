"""Two apps in one process keep their own Socket.IO server, service and database."""

from workshop import create_app


def make(new_database, name):
    return create_app({"TESTING": True, "DATABASE": new_database(name), "BACKGROUND_TICKER": False})


def host(app, session):
    socket = app.extensions["socketio"].test_client(app, flask_test_client=app.test_client())
    ack = socket.emit(
        "host", {"code": session["code"], "facilitator_token": session["facilitator_token"]}, callback=True
    )
    return socket, ack


def test_two_apps_in_one_process_each_answer_from_their_own_store(new_database):
    first, second = make(new_database, "first"), make(new_database, "second")
    try:
        assert first.extensions["socketio"] is not second.extensions["socketio"]
        one = first.test_client().post("/api/sessions", json={"framework": "forrester-path", "title": "First"}).json
        two = second.test_client().post("/api/sessions", json={"framework": "three-levels", "title": "Second"}).json
        socket_one, ack_one = host(first, one)
        socket_two, ack_two = host(second, two)
        # each app finds its own session (a shared server would answer not_found from the other store)
        assert ack_one["ok"] and ack_one["state"]["title"] == "First", ack_one
        assert ack_two["ok"] and ack_two["state"]["title"] == "Second", ack_two
        assert socket_one.emit("open", {"practice": "repair-identify"}, callback=True)["ok"]
        assert socket_two.emit("open", {"practice": "operational-investment"}, callback=True)["ok"]
        # and a session of one app does not exist in the other
        _, crossed = host(second, one)
        assert crossed["ok"] is False and crossed["error"] == "not_found"
        socket_one.disconnect()
        socket_two.disconnect()
    finally:
        for app in (first, second):
            app.extensions["workshop.realtime"].stop()
            app.extensions["workshop.service"].close()

"""Where each app keeps its own service, Socket.IO server and realtime adapter (``app.extensions``).

Nothing is module-level: two apps in one process (tests, a CLI beside a server) never share one.
"""

from flask import current_app
from flask_socketio import SocketIO

SERVICE = "workshop.service"
SOCKETIO = "socketio"  # where Flask-SocketIO's own init_app puts the server
REALTIME = "workshop.realtime"


def service():
    """The application service (``workshop.service.Workshops``) of the current app."""
    return current_app.extensions[SERVICE]


def realtime():
    """The Socket.IO adapter (``workshop.web.realtime.Realtime``) of the current app."""
    return current_app.extensions[REALTIME]


def socketio_of(app) -> SocketIO:
    return app.extensions[SOCKETIO]

"""Extensions, created once and attached to the app with ``init_app`` (as in flaskr)."""

from flask_socketio import SocketIO

socketio = SocketIO()

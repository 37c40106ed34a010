"""HTTP API of the frameworks this server offers."""

from flask import Blueprint

from ..core.snapshots import framework_view
from .extension import service

frameworks = Blueprint("frameworks", __name__, url_prefix="/api/frameworks")


@frameworks.get("")
def list_frameworks():
    return {"frameworks": [framework_view(framework) for framework in service().frameworks.values()]}

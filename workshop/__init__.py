"""A live workshop app for customer-experience (CX) maturity assessments.

``create_app`` is imported lazily so that ``workshop serve`` can monkey-patch the standard library
for gevent or eventlet before Flask and the rest are imported.
"""

__version__ = "0.1.0"


def create_app(config=None):
    from .app import create_app as factory

    return factory(config)

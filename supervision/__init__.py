"""大消保 filing supervision platform: the Flask web application and its feature packages.

The package import is kept free of Flask so that the pure cores inside it (parsing, rules)
can be imported by worker processes and tests without building an application.
"""


def create_app(config=None):
    """Build the Flask application (see :func:`supervision.app.create_app`)."""
    from supervision.app import create_app as _create_app

    return _create_app(config)

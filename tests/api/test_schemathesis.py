"""schemathesis against the generated OpenAPI document, inside the suite (issue 13): every
operation, with a token of each role, on both databases — no 500, every response conforms to
its documented status and schema (errors included: the one error shape)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.api.helpers import bearer, token_for

#: (user, scope) whose token drives the run: each role, with the widest scope it may hold
ROLES = [("filer_a", "submit"), ("filer_b", "read"), ("analyst_nfra", "manage"), ("analyst_pboc", "manage"),
         ("supervisor", "manage"), ("admin", "manage")]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = 12


class FreshContext:
    """The app as WSGI, each request in a fresh application context (as in production; the module's
    fixture keeps one pushed, whose session would otherwise serve every request) and its body read
    and closed before the context ends."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            body = self.app.wsgi_app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                if hasattr(body, "close"):
                    body.close()


@pytest.fixture(scope="module")
def schema(live):
    """The document as the app serves it, bound to the app (requests go through WSGI)."""
    app, _world = live
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", FreshContext(app))


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES, ids=lambda r: f"{r[0]}:{r[1]}")
def test_every_operation_conforms(live, schema, role):
    app, world = live
    with app.app_context():
        from supervision.extensions import db

        headers = bearer(token_for(getattr(world.users, role[0]), role[1], days=1))
        db.session.commit()
        db.session.remove()
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            # the generated Authorization (from the security scheme) gives way to the role's token
            case.headers = {**(case.headers or {}), **headers}
            case.call_and_validate(checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then fail once
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
def test_stateful_links_submit_status_issues(live, schema):
    """schemathesis follows the document's links (submit → version status → issues / original) with a
    filer's submitting token: every step conforms."""
    app, world = live
    with app.app_context():
        from supervision.extensions import db

        headers = bearer(token_for(world.users.filer_a, "submit", days=1))
        db.session.commit()
        db.session.remove()
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    links = schema.raw_schema["paths"]["/api/v1/filings"]["post"]["responses"]["202"]["links"]
    assert links["GetVersion"]["parameters"] == {"version_id": "$response.body#/version/id"}
    base = schema.as_state_machine()

    class Machine(base):
        def get_call_kwargs(self, case):
            case.headers = {**(case.headers or {}), **headers}
            return {}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Machine.run(settings=settings(max_examples=15, stateful_step_count=4, deadline=None, database=None,
                                  suppress_health_check=list(HealthCheck)))

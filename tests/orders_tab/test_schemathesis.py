"""Property-based run of the published OpenAPI document: no input makes a server error,
and every answer matches the documented schema and status codes."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from services.common.settings import Settings
from services.orders_tab.web import create_app
from tests.orders_tab.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))  # more for a deeper local run


@pytest.fixture(scope="module")
def api_schema(topics: Settings, token_env: str, publish: Callable, project: Callable) -> object:
    import uuid
    from datetime import UTC, datetime

    from tests.orders_tab import dataset

    ds = dataset.build(uuid.uuid4().hex[:8], datetime.now(UTC))
    for topic, evs in dataset.events(ds).items():
        publish(topic, evs)
    project()
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(topics), headers=AUTH)
    # Not the user administration: a generated admin would retire the bootstrap token that this
    # session's other tests sign in with (tests/orders_tab/test_users.py covers those routes).
    return schema.exclude(path_regex="^/api/users")


def test_api_never_fails(api_schema: object) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[attr-defined]
    assert len(operations) == 10
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            response = case.call_and_validate(
                headers=AUTH,
                checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
            )
            calls.append(response.status_code)

        check()
    assert len(calls) >= 10 * 5
    assert 200 in calls and 422 in calls

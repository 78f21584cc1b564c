"""In-process fixtures for the SP-API sandbox: one app and TestClient for the session (building
an app is the slow part), a state reset to a frozen clock for every test, and one seller with a
valid access token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sandbox.spapi import SandboxState
from sandbox.spapi.server import create_app
from tests.sandbox.spapi.helpers import START, SellerSession, login

SEED = 7


@pytest.fixture(scope="session")
def _shared_sandbox() -> Iterator[tuple[SandboxState, TestClient]]:
    sandbox = SandboxState(seed=SEED, rate_limits_enabled=False)
    with TestClient(create_app(sandbox)) as test_client:
        yield sandbox, test_client


@pytest.fixture
def state(_shared_sandbox: tuple[SandboxState, TestClient]) -> SandboxState:
    sandbox, _ = _shared_sandbox
    sandbox.reset()
    sandbox.rng.seed(SEED)
    sandbox.rate_limiter.enabled = False
    sandbox.rate_limiter.rate_scale = 1.0
    sandbox.auth.access_token_ttl_seconds = 3600
    sandbox.clock.freeze(START)
    return sandbox


@pytest.fixture
def client(state: SandboxState, _shared_sandbox: tuple[SandboxState, TestClient]) -> TestClient:
    return _shared_sandbox[1]


@pytest.fixture
def seller(state: SandboxState, client: TestClient) -> SellerSession:
    credentials = state.create_seller("A1SANDBOXSELLER")
    return SellerSession(credentials, login(client, credentials))

"""Every Magento route of the stand-in exists, with its method, in the 2.4.8 admin schema
(the module-provided reservation route excepted)."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from sandbox.magento import api_routes, customer_routes
from tests.sandbox.magento.schema_check import SCHEMA, _doc

MODULE_ROUTES = {"/V1/sales-channel/reservations"}


@pytest.mark.skipif(not SCHEMA.exists(), reason="admin schema YAML not beside the repo")
def test_routes_exist_in_admin_schema() -> None:
    paths = _doc()["paths"]
    checked = 0
    for route in [*api_routes.router.routes, *customer_routes.router.routes]:
        assert isinstance(route, APIRoute)
        path = route.path.removeprefix("/rest")
        if path in MODULE_ROUTES:
            assert path not in paths  # our module's route must not pretend to be Magento's
            continue
        assert path in paths, path
        for method in route.methods or ():
            assert method.lower() in paths[path], f"{method} {path}"
        checked += 1
    assert checked >= 15

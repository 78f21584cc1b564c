"""The stand-in refuses what the 2.4.8 schema (required fields, generated from its `required` lists)
and Magento's order-address validator refuse, in Magento's error envelope; its region directory is
Magento's; its responses validate against the schema, required fields non-null."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.magento import MagentoState
from sandbox.magento.directory import by_code, regions
from sandbox.magento.schema import definitions, missing_required
from tests.sandbox.magento.helpers import address, order_entity
from tests.sandbox.magento.schema_check import assert_valid, errors, response_schema

ORDER = "sales-data-order-interface"


def _put(client: TestClient, auth: dict[str, str], entity: dict[str, Any]) -> Any:
    return client.put("/rest/V1/orders/create", json={"entity": entity}, headers=auth)


def _paths(value: Any, prefix: str = "entity") -> list[tuple[str, list[str | int]]]:
    """(dotted path, key path) of every field of a body, at every depth."""
    out: list[tuple[str, list[str | int]]] = []

    def walk(node: Any, dotted: str, keys: list[str | int]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                out.append((f"{dotted}.{k}", [*keys, k]))
                walk(v, f"{dotted}.{k}", [*keys, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{dotted}[{i}]", [*keys, i])

    walk(value, prefix, [])
    return out


def _required_paths(entity: dict[str, Any]) -> list[tuple[str, list[str | int]]]:
    """The paths of the body the schema marks required (reference: a plain walk of the schema)."""
    defs = definitions()
    found: list[tuple[str, list[str | int]]] = []

    def walk(node: Any, defname: str, dotted: str, keys: list[str | int]) -> None:
        definition = defs[defname]
        for key, value in node.items():
            prop = definition["properties"][key]
            if key in definition.get("required", ()):
                found.append((f"{dotted}.{key}", [*keys, key]))
            ref = prop.get("$ref") or (prop.get("items") or {}).get("$ref")
            if not ref:
                continue
            name = ref.rsplit("/", 1)[-1]
            if isinstance(value, list):
                for i, v in enumerate(value):
                    if isinstance(v, dict):
                        walk(v, name, f"{dotted}.{key}[{i}]", [*keys, key, i])
            elif isinstance(value, dict):
                walk(value, name, f"{dotted}.{key}", [*keys, key])

    walk(entity, ORDER, "entity", [])
    return found


def _drop(entity: dict[str, Any], keys: list[str | int]) -> dict[str, Any]:
    out = copy.deepcopy(entity)
    node: Any = out
    for k in keys[:-1]:
        node = node[k]
    del node[keys[-1]]
    return out


def _history() -> dict[str, Any]:
    return {"comment": "imported", "is_customer_notified": 0, "is_visible_on_front": 0, "parent_id": 0}


def test_every_required_field_of_a_create_body_is_refused_when_missing(
    client: TestClient, auth: dict[str, str]
) -> None:
    entity = order_entity(status_histories=[_history()])
    required = _required_paths(entity)
    assert {p for p, _ in required} >= {
        "entity.customer_email",
        "entity.grand_total",
        "entity.base_grand_total",
        "entity.items",
        "entity.items[0].sku",
        "entity.payment.account_status",
        "entity.payment.cc_last4",
        "entity.payment.method",
        "entity.status_histories[0].parent_id",
        "entity.billing_address.telephone",
        "entity.extension_attributes.shipping_assignments[0].shipping",
    }
    for dotted, keys in required:
        resp = _put(client, auth, _drop(entity, keys))
        assert resp.status_code == 400, dotted
        assert resp.json() == {
            "message": '"%fieldName" is required. Enter and try again.',
            "parameters": {"fieldName": dotted},
        }, dotted
    assert _put(client, auth, entity).status_code == 200


def test_null_counts_as_missing_and_several_are_one_input_exception(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    entity = order_entity(customer_email=None)
    del entity["payment"]["cc_last4"]
    resp = _put(client, auth, entity)
    assert resp.status_code == 400
    body = resp.json()
    assert body["message"] == "One or more input exceptions have occurred."
    assert [e["parameters"]["fieldName"] for e in body["errors"]] == [
        "entity.customer_email",
        "entity.payment.cc_last4",
    ]
    assert all(e["message"] == '"%fieldName" is required. Enter and try again.' for e in body["errors"])
    assert_valid({"message": body["message"]}, "error-response")  # the schema lists named parameters as an array
    assert state.list_orders() == []


def test_optional_fields_may_be_left_out_and_sparse_updates_need_no_required_field(
    client: TestClient, auth: dict[str, str]
) -> None:
    entity = order_entity(items=[("SKU-1", 1)])
    for optional in ("ext_order_id", "state", "status", "subtotal", "shipping_amount", "customer_firstname"):
        assert (
            _put(
                client, auth, {k: v for k, v in entity.items() if k != optional} | {"ext_order_id": f"opt-{optional}"}
            ).status_code
            == 200
        ), optional
    created = _put(client, auth, order_entity("upd-1", items=[("SKU-1", 1)])).json()
    update = client.post(
        "/rest/V1/orders", json={"entity": {"entity_id": created["entity_id"], "ext_order_id": "X"}}, headers=auth
    )
    assert update.status_code == 200 and update.json()["ext_order_id"] == "X"


@pytest.mark.parametrize(
    ("change", "warnings"),
    [
        ({"email": "not-an-email"}, ["Email has a wrong format"]),
        ({"email": None}, ["Email has a wrong format"]),
        ({"address_type": "home"}, ["Address type doesn't match required options"]),
        ({"street": None}, None),  # present (null) for hasData, as in Magento
    ],
)
def test_order_address_validator_refuses_like_magento(
    client: TestClient, auth: dict[str, str], change: dict[str, Any], warnings: list[str] | None
) -> None:
    entity = order_entity(billing_address={**address("billing"), **change})
    resp = _put(client, auth, entity)
    if warnings is None:
        assert resp.status_code == 200
        return
    assert resp.status_code == 400
    assert resp.json() == {"message": "We can't save the address:\n%1", "parameters": ["\n".join(warnings)]}


def test_missing_street_and_email_of_the_shipping_address_are_refused(client: TestClient, auth: dict[str, str]) -> None:
    ship = {k: v for k, v in address("shipping").items() if k not in ("street", "email")}
    entity = order_entity()
    entity["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"] = ship
    resp = _put(client, auth, entity)
    assert resp.status_code == 400
    assert resp.json()["parameters"] == [
        '"Street" is required. Enter and try again.\n"Email" is required. Enter and try again.\n'
        "Email has a wrong format"
    ]


def test_region_ids_read_back_as_the_directory_has_them(client: TestClient, auth: dict[str, str]) -> None:
    billing = {**address("billing"), "region_id": 12, "region_code": None}
    billing.pop("region_code")
    ship = {**address("shipping"), "country_id": "CA", "region_id": 74, "region": "Ontario"}
    ship.pop("region_code")
    entity = order_entity(billing_address=billing)
    entity["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"] = ship
    order = _put(client, auth, entity).json()
    assert (order["billing_address"]["region_code"], order["billing_address"]["region"]) == ("CA", "California")
    got = order["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    assert (got["region_id"], got["region_code"], got["region"]) == (74, "ON", "Ontario")
    assert_valid(order, response_schema("/V1/orders/create", "put"))


def test_directory_route_serves_magentos_region_ids(client: TestClient, auth: dict[str, str]) -> None:
    us = client.get("/rest/V1/directory/countries/US", headers=auth)
    assert us.status_code == 200
    assert_valid(us.json(), response_schema("/V1/directory/countries/{countryId}", "get"))
    listed = {(r["code"], r["name"]): int(r["id"]) for r in us.json()["available_regions"]}
    assert listed[("WA", "Washington")] == 62 and listed[("PR", "Puerto Rico")] == 52
    assert listed[("CA", "California")] == 12 and len(listed) == 65
    ca = client.get("/rest/V1/directory/countries/CA", headers=auth).json()
    assert [int(r["id"]) for r in ca["available_regions"]] == list(range(66, 79))
    pr = client.get("/rest/V1/directory/countries/PR", headers=auth).json()
    assert pr["three_letter_abbreviation"] == "PRI" and "available_regions" not in pr
    assert client.get("/rest/V1/directory/countries/XX", headers=auth).status_code == 404
    assert by_code("US", "AE") and by_code("US", "AE").id == 6  # type: ignore[union-attr]
    assert sum(len(regions()[c]) for c in ("US", "CA")) == 78
    assert sum(len(r) for r in regions().values()) == 304  # + DE, AT, CH, ES, FR, BR (test_directory.py)


def test_required_checks_follow_the_schema_of_every_definition() -> None:
    """The compiled checks name exactly the schema's required fields, for every definition of the subset."""
    for name, definition in definitions().items():
        required = definition.get("required", ())
        assert missing_required(name, {}, "x") == [f"x.{k}" for k in required], name
        scalars = {k: 0 for k, p in definition.get("properties", {}).items() if "$ref" not in p and "items" not in p}
        assert missing_required(name, scalars, "x") == [f"x.{k}" for k in required if k not in scalars], name


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_responses_validate_for_any_valid_body_missing_optional_fields(data: st.DataObject) -> None:
    """Any create body the stand-in accepts reads back valid against the schema, required fields non-null."""
    from sandbox.magento import create_app

    state = MagentoState()
    state.create_product("SKU-1", "Widget", price=19.99, qty=100)
    entity = order_entity(status_histories=[_history()])
    required = {p for p, _ in _required_paths(entity)}
    optional = [(p, k) for p, k in _paths(entity) if p not in required]
    dropped = data.draw(st.lists(st.sampled_from(optional), max_size=6, unique_by=lambda t: t[0]))
    body = entity
    for _dotted, keys in sorted(dropped, key=lambda t: -len(t[1])):
        try:
            body = _drop(body, keys)
        except (KeyError, IndexError, TypeError):
            continue
    with TestClient(create_app(state)) as client:
        auth = {"Authorization": f"Bearer {state.issue_admin_token()}"}
        resp = _put(client, auth, body)
        if resp.status_code != 200:
            assert resp.status_code == 400 and resp.json()["message"] in (
                "We can't save the address:\n%1",
                "The requested qty is not available",
                'Invalid value of "%value" provided for the %fieldName field.',
            ), resp.text
            return
        assert errors(resp.json(), response_schema("/V1/orders/create", "put")) == []
        got = client.get(f"/rest/V1/orders/{resp.json()['entity_id']}", headers=auth).json()
        assert errors(got, response_schema("/V1/orders/{id}", "get")) == []

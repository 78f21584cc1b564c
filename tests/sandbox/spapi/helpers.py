"""Helpers for SP-API sandbox tests: logging in and calling the Orders API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from sandbox.spapi import SellerCredentials
from sandbox.spapi.clock import format_time

START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
ORDERS_PATH = "/orders/2026-01-01/orders"
EVERYTHING = "BUYER,RECIPIENT,PROCEEDS,CANCELLATION,FULFILLMENT,PACKAGES"
LONG_AGO = format_time(START - timedelta(days=1))


@dataclass
class SellerSession:
    credentials: SellerCredentials
    access_token: str

    @property
    def seller_id(self) -> str:
        return self.credentials.seller_id

    @property
    def headers(self) -> dict[str, str]:
        return {"x-amz-access-token": self.access_token}


def login(client: TestClient, credentials: SellerCredentials) -> str:
    response = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials.refresh_token,
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def search(client: TestClient, session: SellerSession, **params: Any) -> httpx.Response:
    return client.get(ORDERS_PATH, params=params, headers=session.headers)


def get_order(client: TestClient, session: SellerSession, order_id: str, **params: Any) -> httpx.Response:
    return client.get(f"{ORDERS_PATH}/{order_id}", params=params, headers=session.headers)

"""OAuth 1.0a signing (oauthlib, HMAC-SHA256) checked against independent computations: the
published base string (OAuth Core 1.0 Appendix A.5) with a hashlib HMAC, and the Magento stand-in's
own verifier for arbitrary paths, queries and JSON bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, unquote

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.magento.auth import Credentials
from services.magento_writer.magento.auth import OAuth1Auth, auth_from_secret
from services.magento_writer.magento.client import search_params

URL = "http://photos.example.net/photos?file=vacation.jpg&size=original"
VECTOR_KEYS = {
    "consumer_key": "dpf43f3p2l4k3l03",
    "consumer_secret": "kd94hf93k423kf44",
    "access_token": "nnch734d00sl2jdk",
    "access_token_secret": "pfkkdhi9sl3r4s00",
}
# Appendix A.5.1's base string, with the signature method Magento integrations use
EXPECTED_BASE = (
    "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03"
    "%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1191242096"
    "%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
)


def _header_params(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    pairs = (part.split("=", 1) for part in header[len("OAuth ") :].split(","))
    return {k.strip(): unquote(v.strip().strip('"')) for k, v in pairs}


def _signed(auth: httpx.Auth, request: httpx.Request) -> str:
    return next(auth.auth_flow(request)).headers["Authorization"]


def _hmac_sha256(key: str, base: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()


def test_signature_is_hmac_sha256_over_the_published_base_string() -> None:
    auth = OAuth1Auth(VECTOR_KEYS, nonce="kllo9940pd9333jh", timestamp="1191242096")
    params = _header_params(_signed(auth, httpx.Request("GET", URL)))
    assert params["oauth_signature_method"] == "HMAC-SHA256" and params["oauth_version"] == "1.0"
    assert params["oauth_signature"] == _hmac_sha256("kd94hf93k423kf44&pfkkdhi9sl3r4s00", EXPECTED_BASE)


def test_secrets_are_percent_encoded_into_the_key() -> None:
    keys = {"consumer_key": "ck", "consumer_secret": "cs&x", "access_token": "at", "access_token_secret": "t s"}
    auth = OAuth1Auth(keys, nonce="n1", timestamp="1700000000")
    params = _header_params(_signed(auth, httpx.Request("GET", "http://m.test/rest/V1/store/storeConfigs")))
    base = (
        "GET&http%3A%2F%2Fm.test%2Frest%2FV1%2Fstore%2FstoreConfigs&oauth_consumer_key%3Dck%26oauth_nonce%3Dn1"
        "%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26oauth_token%3Dat"
        "%26oauth_version%3D1.0"
    )
    assert params["oauth_signature"] == _hmac_sha256("cs%26x&t%20s", base)


def _stand_in() -> tuple[Credentials, httpx.Auth]:
    credentials = Credentials()
    integ = credentials.create_integration("writer")
    keys = {
        "consumer_key": integ.consumer_key,
        "consumer_secret": integ.consumer_secret,
        "access_token": integ.access_token,
        "access_token_secret": integ.access_token_secret,
    }
    return credentials, auth_from_secret(keys)


@settings(max_examples=100, deadline=None)
@given(
    sku=st.text(min_size=1, max_size=20),
    value=st.text(max_size=30),
    method=st.sampled_from(["GET", "PUT", "POST"]),
)
def test_the_stand_in_verifies_signed_requests(sku: str, value: str, method: str) -> None:
    """Store-scoped paths with encoded characters, bracketed search queries and a JSON body that is
    not part of the signature, as the writer's client sends them."""
    credentials, auth = _stand_in()
    url = f"http://m.test:8082/rest/amazon_us_en/V1/products/{quote(sku, safe='')}"
    request = httpx.Request(method, url, params=search_params("ext_order_id", value), json={"sku": sku})
    header = _signed(auth, request)
    assert credentials.authorize(header, "", method, str(request.url))
    assert not credentials.authorize(header, "", method, str(request.url)), "a replayed nonce must be refused"
    other_query = _signed(auth, httpx.Request(method, url, params=search_params("ext_order_id", value + "x")))
    assert not credentials.authorize(other_query, "", method, str(request.url)), "the signature covers the query"


def test_each_request_gets_a_fresh_nonce() -> None:
    credentials, auth = _stand_in()
    url = "http://m.test/rest/default/V1/orders/create"
    headers = [_signed(auth, httpx.Request("PUT", url, json={"entity": {}})) for _ in range(3)]
    assert len({_header_params(h)["oauth_nonce"] for h in headers}) == 3
    assert all(credentials.authorize(h, "", "PUT", url) for h in headers)


def test_secrets_stay_out_of_repr() -> None:
    auth = OAuth1Auth(VECTOR_KEYS)
    assert "kd94hf93k423kf44" not in repr(auth) and "pfkkdhi9sl3r4s00" not in repr(auth)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_stand_in_percent_encoding_equals_quote_with_unreserved_safe(value: str) -> None:
    from sandbox.magento.auth import pct

    assert pct(value) == quote(value, safe="~-._")

"""OAuth 1.0a signing against the published test vector (OAuth Core 1.0 Appendix A.5 / RFC 5849
parameter rules), HMAC-SHA256 cross-checked with oauthlib and with the Magento stand-in's verifier."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.magento_writer.magento.oauth1 import (
    OAuth1Credentials,
    authorization_header,
    hmac_signature,
    signature_base_string,
)

URL = "http://photos.example.net/photos?file=vacation.jpg&size=original"
OAUTH = {
    "oauth_consumer_key": "dpf43f3p2l4k3l03",
    "oauth_token": "nnch734d00sl2jdk",
    "oauth_signature_method": "HMAC-SHA1",
    "oauth_timestamp": "1191242096",
    "oauth_nonce": "kllo9940pd9333jh",
    "oauth_version": "1.0",
}
EXPECTED_BASE = (
    "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03"
    "%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096"
    "%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
)


def test_base_string_matches_the_published_vector() -> None:
    assert signature_base_string("GET", URL, OAUTH) == EXPECTED_BASE


def test_hmac_sha1_signature_matches_the_published_vector() -> None:
    assert (
        hmac_signature(EXPECTED_BASE, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", "sha1") == "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
    )


def test_rfc5849_base_string_example_with_form_body() -> None:
    """RFC 5849 §3.4.1.1: query, body and oauth parameters, encoded twice where needed."""
    oauth = {
        "oauth_consumer_key": "9djdj82h48djs9d2",
        "oauth_token": "kkk9d7dh3k39sjv7",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "137131201",
        "oauth_nonce": "7d8f3e4a",
        "realm": "Example",
    }
    base = signature_base_string(
        "POST",
        "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        oauth,
        [("c2", ""), ("a3", "2 q")],
    )
    assert base == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D"
        "%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a"
        "%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201"
        "%26oauth_token%3Dkkk9d7dh3k39sjv7"
    )


def _header_params(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    pairs = (part.split("=", 1) for part in header[len("OAuth ") :].split(","))
    return {k.strip(): unquote(v.strip().strip('"')) for k, v in pairs}


def test_header_is_hmac_sha256_over_query_parameters() -> None:
    creds = OAuth1Credentials("ck", "cs&x", "at", "ts")
    url = "http://m.test:8082/rest/default/V1/orders?searchCriteria%5BpageSize%5D=1"
    header = authorization_header(creds, "get", url, nonce="n1", timestamp=1700000000)
    params = _header_params(header)
    assert params["oauth_signature_method"] == "HMAC-SHA256" and params["oauth_version"] == "1.0"
    base = signature_base_string("GET", url, params)
    key = b"cs%26x&ts"
    expected = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha256).digest()).decode()
    assert params["oauth_signature"] == expected
    assert "searchCriteria%255BpageSize%255D%3D1" in base


def test_hmac_sha256_agrees_with_oauthlib() -> None:
    signature = pytest.importorskip("oauthlib.oauth1.rfc5849.signature")
    mine = hmac_signature(EXPECTED_BASE, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", "sha256")
    assert mine == signature.sign_hmac_sha256(EXPECTED_BASE, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_percent_encoding_equals_quote_with_unreserved_safe(value: str) -> None:
    from sandbox.magento.auth import pct as stand_in_pct
    from services.magento_writer.magento.oauth1 import pct

    expected = quote(value, safe="~-._")
    assert pct(value) == expected
    assert stand_in_pct(value) == expected

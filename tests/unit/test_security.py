"""Credentials tokens and the Authorization header (transport_and_format_authorization_header)."""

from __future__ import annotations

import base64
import re

import pytest
from pydantic import TypeAdapter

from hub.ocpi.v221.credentials import CredentialsToken
from hub.security import SCHEME, authorization_header, hash_token, new_token, token_candidates

TOKEN_CHARACTERS = re.compile(r"^[\x21-\x7e]+$")


# --- token_candidates -----------------------------------------------------------------------------


def test_token_candidates_spec_example_decodes_and_strips_newline() -> None:
    # The spec's example is the Base64 of "example-token\n"; tokens never hold whitespace.
    assert token_candidates("Token ZXhhbXBsZS10b2tlbgo=") == ["example-token", "ZXhhbXBsZS10b2tlbgo="]


def test_token_candidates_correct_base64_decoded_first_then_raw() -> None:
    assert token_candidates("Token ZXhhbXBsZS10b2tlbg==") == ["example-token", "ZXhhbXBsZS10b2tlbg=="]


@pytest.mark.parametrize("scheme", ["Token", "token", "TOKEN", "ToKeN"])
def test_token_candidates_scheme_any_case_accepted(scheme: str) -> None:
    assert token_candidates(f"{scheme} ZXhhbXBsZS10b2tlbg==")[0] == "example-token"


@pytest.mark.parametrize(
    "raw",
    [
        "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2",  # credentials_example.json: not Base64 ('-')
        "abc",  # wrong Base64 length
        "AAAA",  # valid Base64 of three NUL bytes: not printable, so only the raw value
        "/w==",  # valid Base64 of b"\xff": not UTF-8
        "4pyTIMOgIGxhIG1vZGU=",  # valid Base64 of non-ASCII UTF-8
    ],
)
def test_token_candidates_not_decodable_to_ascii_only_raw(raw: str) -> None:
    assert token_candidates(f"Token {raw}") == [raw]


def test_token_candidates_surrounding_whitespace_ignored() -> None:
    assert token_candidates("  Token   ZXhhbXBsZS10b2tlbg==  ") == ["example-token", "ZXhhbXBsZS10b2tlbg=="]


def test_token_candidates_valid_base64_lists_each_candidate_once() -> None:
    candidates = token_candidates("Token " + base64.b64encode(b"abcd").decode())

    assert candidates == ["abcd", "YWJjZA=="]
    assert len(candidates) == len(set(candidates))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "Token",
        "Token ",
        "Token    ",
        "Bearer x",
        "Basic ZXhhbXBsZS10b2tlbg==",
        "Tokenx abc",
        "x",
    ],
)
def test_token_candidates_missing_or_other_scheme_empty(header: str | None) -> None:
    assert token_candidates(header) == []


# --- authorization_header -------------------------------------------------------------------------


def test_authorization_header_default_base64_encodes() -> None:
    assert authorization_header("example-token") == "Token ZXhhbXBsZS10b2tlbg=="


def test_authorization_header_raw_flag_sends_token_unencoded() -> None:
    assert authorization_header("example-token", raw=True) == "Token example-token"


def test_authorization_header_exactly_one_space_after_scheme() -> None:
    header = authorization_header("abc")

    assert SCHEME == "Token"
    assert header.startswith("Token ")
    assert not header.startswith("Token  ")


@pytest.mark.parametrize("raw", [False, True])
def test_authorization_header_round_trips_through_token_candidates(raw: bool) -> None:
    token = "9e80a9c4-28be-11e9-b210-d663bd873d93"

    assert token in token_candidates(authorization_header(token, raw=raw))


def test_authorization_header_base64_candidate_comes_first() -> None:
    assert token_candidates(authorization_header("example-token"))[0] == "example-token"


# --- new_token and hash_token ---------------------------------------------------------------------


def test_new_token_within_credentials_token_rules() -> None:
    for _ in range(50):
        token = new_token()

        assert 1 <= len(token) <= 64
        assert TOKEN_CHARACTERS.match(token)
        assert TypeAdapter(CredentialsToken).validate_python(token) == token


def test_new_token_repeated_calls_unique() -> None:
    tokens = {new_token() for _ in range(100)}

    assert len(tokens) == 100


def test_new_token_raw_header_yields_token() -> None:
    token = new_token()

    assert token in token_candidates(authorization_header(token, raw=True))
    assert token_candidates(authorization_header(token))[0] == token


def test_hash_token_known_vector_sha256_hex() -> None:
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_hash_token_deterministic_and_distinct() -> None:
    assert hash_token("example-token") == hash_token("example-token")
    assert hash_token("example-token") != hash_token("Example-token")
    assert re.fullmatch(r"[0-9a-f]{64}", hash_token("example-token"))
    assert hash_token("example-token") != "example-token"

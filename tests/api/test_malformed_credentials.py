"""Credentials no user could have (a NUL byte, a lone surrogate, a name longer than any user's, a token or session
key of the wrong shape) are refused like wrong ones: never looked up, so never a 500 from PostgreSQL."""

from __future__ import annotations

import json

import pytest

from alignment_fund.models import User

NAMES = ["alice\x00admin", "alice\ud800admin", "a" * (User._meta.get_field("username").max_length + 1)]


@pytest.mark.parametrize("username", NAMES, ids=["nul", "surrogate", "too-long"])
def test_a_token_request_with_a_name_no_user_could_have_is_a_400(world, client, username):
    body = json.dumps({"username": username, "password": "correct-horse-battery-staple"})
    for _ in range(2):  # the second time too: nothing the first one recorded gets in the way
        response = client.post("/api/token/", body, content_type="application/json")
        assert response.status_code == 400, response.content
        # A lone surrogate is not text at all: the body is refused before any field is read.
        assert "username" in response.json() or "surrogate" in response.json()["detail"]


@pytest.mark.parametrize("key", ["ab\x00cd", "a" * 41, "bell\x07here"], ids=["nul", "too-long", "control"])
def test_a_token_of_the_wrong_shape_is_a_401(world, client, key):
    response = client.get("/api/awards/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


@pytest.mark.parametrize("cookie", ["abcdefgh\x00ij", "ABCDEFGHIJKL", "a" * 41], ids=["nul", "upper-case", "too-long"])
def test_a_session_cookie_django_could_not_have_made_is_no_session(world, client, cookie):
    client.cookies["sessionid"] = cookie
    assert client.get("/api/awards/").status_code == 401
    assert client.get("/portfolio/").status_code == 302


def test_a_real_session_still_signs_in(world, client):
    client.force_login(world.researcher_a)
    assert client.get("/api/awards/").status_code == 200

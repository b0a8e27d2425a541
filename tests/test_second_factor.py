"""Administrators give a second factor (STAFF_SECOND_FACTOR, always on under PRODUCTION): a code from an
authenticator app, or a single-use recovery code. Until they do, a password-only session has no administrator's
rights anywhere: pages, back office, API. Funders' contacts and researchers sign in as before."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from grants.models import Award

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _second_factor_required(settings):
    settings.STAFF_SECOND_FACTOR = True


def current_code(user, steps_ahead: int = 0) -> str:
    """What the user's app shows now (or a step later: a code is accepted once, and the next step's is in the
    device's tolerance, so a test can sign in twice within thirty seconds)."""
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(client, user) -> list[str]:
    """Set up an authenticator app through the pages; returns the recovery codes shown."""
    client.force_login(user)
    client.get(reverse("two_factor_setup"))
    response = client.post(reverse("two_factor_setup"), {"code": current_code(user), "next": "/portfolio/"})
    assert response.status_code == 200
    return list(response.context["codes"])


def test_a_password_alone_leads_a_new_administrator_to_set_up_an_app(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("grants:portfolio"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor") + "?next=")
    assert client.get(reverse("two_factor"))["Location"].startswith(reverse("two_factor_setup"))
    setup = client.get(reverse("two_factor_setup"))
    assert setup.status_code == 200 and "<svg" in setup.text and setup.context["secret"]
    assert client.get(reverse("home"))["Location"] == reverse("two_factor")
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:login") + "?next=/admin/")["Location"].startswith(reverse("two_factor"))


def test_a_wrong_code_does_not_enrol(client, world):
    client.force_login(world.admin)
    client.get(reverse("two_factor_setup"))
    wrong = "000000" if current_code(world.admin) != "000000" else "111111"
    response = client.post(reverse("two_factor_setup"), {"code": wrong})
    assert response.status_code == 200 and "That code is not right" in response.text
    assert not TOTPDevice.objects.filter(user=world.admin, confirmed=True).exists()
    assert client.get(reverse("grants:portfolio")).status_code == 302


def test_enrolling_gives_ten_recovery_codes_and_opens_the_administrators_pages(client, world):
    codes = enrol(client, world.admin)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("grants:portfolio")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_each_sign_in_asks_for_a_code_and_a_recovery_code_works_once(client, django_user_model, world):
    codes = enrol(client, world.admin)
    client.logout()
    client.force_login(world.admin)
    assert client.get(reverse("grants:portfolio")).status_code == 302
    answer = client.post(reverse("two_factor"), {"code": codes[0], "next": "/portfolio/"})
    assert answer["Location"] == "/portfolio/"
    assert client.get(reverse("grants:portfolio")).status_code == 200
    # A minute later (a code works once, and a wrong guess slows the next one down for a moment):
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        client.logout()
        client.force_login(world.admin)
        assert client.post(reverse("two_factor"), {"code": current_code(world.admin)})["Location"] == "/"
    client.logout()
    client.force_login(world.admin)
    again = client.post(reverse("two_factor"), {"code": codes[0], "next": "/portfolio/"})
    assert again.status_code == 200 and "That code is not right" in again.text
    assert client.get(reverse("grants:portfolio")).status_code == 302


def test_funders_and_researchers_sign_in_with_a_password_as_before(client, world):
    client.force_login(world.contact_a)
    assert client.get(reverse("funder:dashboard")).status_code == 200
    assert client.get(reverse("two_factor")).status_code == 404
    client.force_login(world.researcher_a)
    assert client.get(reverse("researcher:my_awards")).status_code == 200


def test_an_unverified_administrators_session_has_no_rights_in_the_api(client, world):
    client.force_login(world.admin)
    assert client.get("/api/awards/").json()["count"] == 0


def test_an_administrator_gets_a_token_only_with_the_code_and_it_then_works(client, world):
    enrol(client, world.admin)
    client.logout()
    asked = client.post("/api/token/", {"username": "alice-admin", "password": PASSWORD})
    assert asked.status_code == 400 and "code" in asked.json()
    given = client.post(
        "/api/token/", {"username": "alice-admin", "password": PASSWORD, "code": current_code(world.admin, 1)}
    )
    assert given.status_code == 200
    awards = client.get("/api/awards/", HTTP_AUTHORIZATION=f"Token {given.json()['token']}")
    assert awards.json()["count"] == Award.objects.count() == 2


def test_a_token_made_without_the_code_is_not_an_administrators(client, world):
    token = Token.objects.create(user=world.admin)  # as the back office could
    awards = client.get("/api/awards/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert awards.json()["count"] == 0


def test_a_locked_out_token_request_answers_429(client, world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert client.post("/api/token/", {"username": "contact-a", "password": "wrong"}).status_code == 400
    locked = client.post("/api/token/", {"username": "contact-a", "password": "wrong"})
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.json()["detail"]
    # Locked out: even the right password is refused during the cool-off.
    assert client.post("/api/token/", {"username": "contact-a", "password": PASSWORD}).status_code == 429


def test_production_requires_the_second_factor(tmp_path):
    env = {
        **os.environ,
        "PRODUCTION": "1",
        "SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789",
        "VAR_DIR": str(tmp_path),
    }
    env.pop("STAFF_SECOND_FACTOR", None)
    code = "from django.conf import settings; print(settings.STAFF_SECOND_FACTOR)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr

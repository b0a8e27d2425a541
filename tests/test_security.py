import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[1]


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_repeated_failed_sign_ins_are_locked_out_for_a_while_then_allowed_again(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="mallory-target", password="the-Right-password-1")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(2):
            assert sign_in(client, "mallory-target", "wrong").status_code == 200
        assert sign_in(client, "mallory-target", "wrong").status_code == 429
        # Locked out: even the right password is refused during the cool-off.
        assert sign_in(client, "mallory-target", "the-Right-password-1").status_code == 429
    with time_machine.travel(start + timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1), tick=False):
        response = sign_in(client, "mallory-target", "the-Right-password-1")
        assert response.status_code == 302


@pytest.mark.django_db
def test_a_successful_sign_in_goes_home(client):
    UserFactory(username="someone", password="the-Right-password-1", is_staff=True)
    response = sign_in(client, "someone", "the-Right-password-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_deployment_checklist_is_clean_under_production_settings(tmp_path):
    env = {
        **os.environ,
        "PRODUCTION": "1",
        "SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "fund.example.org",
        "VAR_DIR": str(tmp_path),
    }
    env.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "PRODUCTION": "1", "ALLOWED_HOSTS": "fund.example.org", "VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when PRODUCTION is on" in result.stderr

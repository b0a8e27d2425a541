"""The frame every page shares: the sign-in page, the role-aware navigation and the sign-out button."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_sign_in_page_is_styled_and_offers_a_password_reset(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"css/app.css" in response.content
    assert reverse("password_reset").encode() in response.content


def test_an_administrator_sees_the_administrators_navigation(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("grants:portfolio"))
    labels = [item.label for item in response.context["nav_items"]]
    assert labels == ["Portfolio", "Waitlist", "Calendar", "Back office", "API docs"]
    assert [item.label for item in response.context["nav_items"] if item.active] == ["Portfolio"]
    assert b'data-testid="sign-out"' in response.content


def test_the_current_section_is_the_longest_matching_link(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("grants:waitlist"))
    assert [item.label for item in response.context["nav_items"] if item.active] == ["Waitlist"]


def test_a_funders_contact_sees_only_their_dashboard_link(client, world):
    client.force_login(world.contact_a)
    response = client.get(reverse("funders:dashboard"))
    assert [item.label for item in response.context["nav_items"]] == ["Dashboard"]


def test_a_researcher_sees_only_their_awards_link(client, world):
    client.force_login(world.researcher_a)
    response = client.get(reverse("projects:my_awards"))
    assert [item.label for item in response.context["nav_items"]] == ["My awards"]


def test_a_user_without_a_role_is_told_what_to_do(client, db):
    client.force_login(UserFactory(username="newcomer"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"not yet linked" in response.content
    assert response.context["nav_items"] == []


def test_signing_out_is_a_post_that_ends_the_session(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("grants:portfolio")).status_code == 302

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
    assert labels == ["Portfolio", "Waitlist", "Calendar", "Activity", "Back office", "API docs"]
    assert [item.label for item in response.context["nav_items"] if item.active] == ["Portfolio"]
    assert b'data-testid="sign-out"' in response.content


def test_the_current_section_is_the_longest_matching_link(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("grants:waitlist"))
    assert [item.label for item in response.context["nav_items"] if item.active] == ["Waitlist"]


def test_a_funders_contact_sees_only_their_dashboard_link(client, world):
    client.force_login(world.contact_a)
    response = client.get(reverse("funder:dashboard"))
    assert [item.label for item in response.context["nav_items"]] == ["Dashboard"]


def test_a_researcher_sees_only_their_awards_link(client, world):
    client.force_login(world.researcher_a)
    response = client.get(reverse("researcher:my_awards"))
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


def test_a_wrong_password_is_refused_on_the_styled_sign_in_page(client, admin_user):
    response = client.post(reverse("login"), {"username": "alice-admin", "password": "wrong"})
    assert response.status_code == 200
    assert b"errorlist nonfield" in response.content


def test_signing_in_through_the_form_takes_the_administrator_home(client, admin_user, rates):
    response = client.post(
        reverse("login"), {"username": "alice-admin", "password": "correct-horse-battery-staple"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("grants:portfolio")


@pytest.mark.parametrize("name", ["password_reset", "password_reset_done", "password_reset_complete"])
@pytest.mark.django_db
def test_the_password_reset_pages_use_the_frame(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b"css/app.css" in response.content


def test_the_password_change_page_uses_the_frame(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("password_change"))
    assert response.status_code == 200
    assert b'name="new_password1"' in response.content


def test_a_password_reset_email_links_to_the_confirm_page(client, admin_user, mailoutbox):
    client.post(reverse("password_reset"), {"email": admin_user.email})
    (message,) = mailoutbox
    assert message.subject == "Reset your Alignment Fund password"
    assert "/accounts/reset/" in message.body
    link = next(word for word in message.body.split() if "/accounts/reset/" in word)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert b"Choose a new password" in response.content

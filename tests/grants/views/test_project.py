"""/portfolio/projects/<pk>/: a project, its review and its award."""

from django.urls import reverse


def test_a_waiting_project_offers_the_award_form(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("grants:project", args=[world.waiting.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Waiting project" in html and "£200,000.00" in html
    assert reverse("grants:award_project", args=[world.waiting.pk]) in html


def test_an_awarded_project_links_to_its_award(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("grants:project", args=[world.award_a.project.pk]))
    html = response.content.decode()
    assert world.award_a.get_absolute_url() in html
    assert reverse("grants:award_project", args=[world.award_a.project.pk]) not in html


def test_an_unknown_project_is_not_found(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("grants:project", args=[99999])).status_code == 404

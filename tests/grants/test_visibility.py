"""Who sees which awards, straight from the scoped queryset every page and API list reads through."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from grants.models import Award


def test_an_administrator_sees_every_award(world):
    assert set(Award.objects.visible_to(world.admin)) == {world.award_a, world.award_b}


def test_a_researcher_sees_only_the_awards_of_projects_they_lead(world):
    assert list(Award.objects.visible_to(world.researcher_a)) == [world.award_a]
    assert list(Award.objects.visible_to(world.researcher_b)) == [world.award_b]


def test_a_funders_contact_sees_the_awards_its_money_supports(world):
    supported = set(Award.objects.filter(attributions__funder=world.funder_a))
    assert supported and set(Award.objects.visible_to(world.contact_a)) == supported


def test_anyone_else_sees_none(world):
    assert not Award.objects.visible_to(world.outsider).exists()
    assert not Award.objects.visible_to(AnonymousUser()).exists()
    world.researcher_a.is_active = False
    assert not Award.objects.visible_to(world.researcher_a).exists()

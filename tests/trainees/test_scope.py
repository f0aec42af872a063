import pytest
from django.http import Http404

from tests.factories import make_salesperson
from trainees import hooks, selectors


def test_manager_sees_people_of_team_and_sub_teams_only(manager_a, sales_a, sales_b, sub_team_a):
    newcomer = make_salesperson(sub_team_a)
    visible = set(selectors.people_for_user(user=manager_a).values_list("id", flat=True))
    assert {manager_a.id, sales_a.id, newcomer.id} <= visible
    assert sales_b.id not in visible


def test_salesperson_sees_only_themself(sales_a, sales_b, manager_a):
    assert list(selectors.people_for_user(user=sales_a)) == [sales_a]
    with pytest.raises(Http404):
        selectors.person_get_for_user(user=sales_a, person_id=sales_b.id)
    with pytest.raises(Http404):
        selectors.person_get_for_user(user=sales_a, person_id=manager_a.id)


def test_unknown_and_foreign_person_answer_the_same_404(manager_a, sales_b):
    for person_id in (sales_b.id, 999999, "x"):
        with pytest.raises(Http404):
            selectors.person_get_for_user(user=manager_a, person_id=person_id)


def test_trainer_scope_grows_through_registered_providers(trainer, sales_a, sales_b):
    from django.db.models import Q

    assert sales_a not in selectors.people_for_user(user=trainer)

    def provider(*, trainer):
        return Q(id=sales_a.id)

    hooks.trainer_people_scope.register(provider)
    try:
        assert set(selectors.people_for_user(user=trainer)) == {trainer, sales_a}
    finally:
        hooks.trainer_people_scope.unregister(provider)


def test_team_paths_follow_the_tree(team_a, sub_team_a):
    assert sub_team_a.path.startswith(team_a.path)
    assert sub_team_a.full_name == "华东区/上海销售部/一组/一组-新人"
    assert selectors.team_subtree_ids(team_ids=[team_a.id]) == {team_a.id, sub_team_a.id}

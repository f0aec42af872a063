"""Plan builder rules (issue #20): parallel sessions and double-booked trainers are warned, enrolling into a
draft is refused, the plan page lists its teams, publishing asks for confirmation, and the session-actions hook
shows its links on each card."""

import pytest
from django.urls import reverse

from courses import hooks as courses_hooks
from courses.models import Session, TrainingPlan
from learning.models import Enrollment
from tests.courses.plan_factories import *  # noqa: F403
from tests.courses.plan_factories import START, PlanFactory, SessionFactory, t
from tests.factories import make_salesperson, make_trainer

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _session_post(client, plan, session=None, **values):
    data = {"day": "1", "start_time": "09:00", "end_time": "10:30", "title": "新课"} | values
    url = (
        reverse("courses:session_edit", args=[plan.pk, session.pk])
        if session
        else reverse("courses:session_new", args=[plan.pk])
    )
    return client.post(url, data, **HX, **EN)


# --- parallel sessions ----------------------------------------------------------------------------------------


def test_creating_an_overlapping_session_saves_it_and_warns_on_both_cards(client_for, plan, trainer):
    first = SessionFactory(plan=plan, day=1, start_time=t("09:00"), end_time=t("10:30"), title="开场破冰")
    response = _session_post(client_for(trainer), plan, start_time="10:00", end_time="11:00", title="产品知识")
    html = response.content.decode()
    second = Session.objects.get(plan=plan, title="产品知识")
    assert response.status_code == 200
    assert 'data-testid="saved-with-warning"' in html and 'data-testid="saved-overlap"' in html
    assert f'data-testid="overlap-{first.pk}"' in html and f'data-testid="overlap-{second.pk}"' in html
    assert "“开场破冰” (09:00–10:30)" in html and "“产品知识” (10:00–11:00)" in html
    assert 'data-testid="conflict-overlap"' in html


def test_builder_page_shows_overlaps_and_the_conflict_list(client_for, plan, trainer):
    a = SessionFactory(plan=plan, day=1, start_time=t("09:00"), end_time=t("10:30"), title="开场破冰")
    b = SessionFactory(plan=plan, day=1, start_time=t("10:00"), end_time=t("11:00"), title="产品知识")
    SessionFactory(plan=plan, day=2, start_time=t("10:00"), end_time=t("11:00"), title="另一天")
    html = client_for(trainer).get(reverse("courses:plan_edit", args=[plan.pk]), **EN).content.decode()
    assert f'data-testid="overlap-{a.pk}"' in html and f'data-testid="overlap-{b.pk}"' in html
    assert html.count('data-testid="conflict-overlap"') == 1 and "1 conflict to check before publishing" in html
    assert "“开场破冰” (09:00–10:30) and “产品知识” (10:00–11:00) run at the same time" in html


def test_adjacent_sessions_do_not_overlap(client_for, plan, trainer):
    SessionFactory(plan=plan, day=1, start_time=t("09:00"), end_time=t("10:00"), title="第一节")
    response = _session_post(client_for(trainer), plan, start_time="10:00", end_time="11:00", title="第二节")
    html = response.content.decode()
    assert response.status_code == 200 and Session.objects.filter(plan=plan).count() == 2
    assert "saved-with-warning" not in html and "overlap-" not in html
    assert 'data-testid="conflict-count"' not in html


def test_editing_a_session_into_an_overlap_warns(client_for, plan, trainer):
    SessionFactory(plan=plan, day=1, start_time=t("09:00"), end_time=t("10:00"), title="第一节")
    second = SessionFactory(plan=plan, day=1, start_time=t("10:00"), end_time=t("11:00"), title="第二节")
    response = _session_post(client_for(trainer), plan, second, start_time="09:30", end_time="11:00", title="第二节")
    html = response.content.decode()
    second.refresh_from_db()
    assert second.start_time == t("09:30")
    assert 'data-testid="saved-overlap"' in html and "“第一节” (09:00–10:00)" in html


def test_moving_a_session_onto_a_busy_day_says_so(client_for, plan, trainer):
    """The issue's case: dragging a session to day 2 put two sessions at once for the same group, silently."""
    SessionFactory(plan=plan, day=2, start_time=t("09:00"), end_time=t("10:30"), title="客户拜访")
    moved = SessionFactory(plan=plan, day=1, start_time=t("09:30"), end_time=t("11:00"), title="电话营销")
    response = client_for(trainer).post(
        reverse("courses:session_move", args=[plan.pk, moved.pk]), {"day": "2"}, **HX, **EN
    )
    html = response.content.decode()
    moved.refresh_from_db()
    assert moved.day == 2
    assert 'data-testid="move-warning"' in html and "“客户拜访” (09:00–10:30)" in html
    assert f'data-testid="overlap-{moved.pk}"' in html


def test_moving_onto_a_free_slot_gives_no_warning(client_for, plan, trainer):
    SessionFactory(plan=plan, day=2, start_time=t("09:00"), end_time=t("10:30"), title="客户拜访")
    moved = SessionFactory(plan=plan, day=1, start_time=t("10:30"), end_time=t("12:00"), title="电话营销")
    html = (
        client_for(trainer)
        .post(reverse("courses:session_move", args=[plan.pk, moved.pk]), {"day": "2"}, **HX)
        .content.decode()
    )
    assert "move-warning" not in html and "overlap-" not in html


def test_other_trainer_cannot_move_a_session(client_for, plan, other_trainer):
    s = SessionFactory(plan=plan, day=1)
    response = client_for(other_trainer).post(reverse("courses:session_move", args=[plan.pk, s.pk]), {"day": "2"})
    assert response.status_code == 404


def test_trainer_double_booked_in_another_plan_is_warned_on_move(client_for, plan, trainer, other_trainer):
    teacher = make_trainer(username="teacher", display_name="周老师")
    other = PlanFactory(owners=[other_trainer], start_date=START, status=TrainingPlan.Status.PUBLISHED)
    SessionFactory(plan=other, day=2, start_time=t("09:00"), end_time=t("10:00"), trainer=teacher, title="大客户")
    mine = SessionFactory(plan=plan, day=1, start_time=t("09:30"), end_time=t("10:30"), trainer=teacher)
    html = (
        client_for(trainer)
        .post(reverse("courses:session_move", args=[plan.pk, mine.pk]), {"day": "2"}, **HX, **EN)
        .content.decode()
    )
    assert 'data-testid="move-warning"' in html and "周老师 is also booked for “大客户”" in html
    assert f'data-testid="clash-{mine.pk}"' in html and 'data-testid="conflict-trainer"' in html


def test_trainer_double_booked_within_the_plan_is_warned(client_for, plan, trainer):
    teacher = make_trainer(username="teacher", display_name="周老师")
    SessionFactory(plan=plan, day=1, start_time=t("09:00"), end_time=t("10:00"), trainer=teacher, title="上午课")
    response = _session_post(
        client_for(trainer), plan, start_time="09:30", end_time="10:30", title="分组", trainer=str(teacher.pk)
    )
    html = response.content.decode()
    assert "周老师 is also booked for “上午课”" in html and 'data-testid="saved-overlap"' in html


# --- enrolling into a draft -----------------------------------------------------------------------------------


def test_enrolling_a_team_into_a_draft_is_refused_on_the_page(client_for, plan, trainer, team_a):
    make_salesperson(team_a)
    response = client_for(trainer).post(
        reverse("learning:enroll"), {"plan": plan.pk, "who": "team", "team": team_a.pk}, **EN
    )
    assert response.status_code == 200
    assert "This plan is still a draft" in response.content.decode()
    assert not Enrollment.objects.filter(plan=plan).exists()


def test_enrolling_one_person_into_a_draft_is_refused_on_the_page(client_for, plan, trainer, sales_a):
    response = client_for(trainer).post(
        reverse("learning:enroll"), {"plan": plan.pk, "who": "person", "person": sales_a.username}, **EN
    )
    assert response.status_code == 200 and "This plan is still a draft" in response.content.decode()
    assert not Enrollment.objects.filter(plan=plan).exists()


def test_enrolling_into_a_draft_is_refused_by_the_api(api_for, plan, trainer, sales_a, team_a):
    api = api_for(trainer)
    for payload in ({"plan": plan.pk, "user": sales_a.pk}, {"plan": plan.pk, "team": team_a.pk}):
        response = api.post("/api/v1/enrollments/", payload, format="json", **EN)
        assert response.status_code == 400
        assert "This plan is still a draft" in response.json()["error"]["fields"]["plan"][0]
    assert not Enrollment.objects.filter(plan=plan).exists()


def test_enrolling_a_team_into_a_published_plan_lists_the_team(client_for, api_for, trainer, team_a, sub_team_a):
    plan = PlanFactory(owners=[trainer], status=TrainingPlan.Status.PUBLISHED)
    person = make_salesperson(sub_team_a)
    response = api_for(trainer).post("/api/v1/enrollments/", {"plan": plan.pk, "team": team_a.pk}, format="json")
    assert response.status_code == 201
    assert Enrollment.objects.filter(plan=plan, user=person).exists()
    assert list(plan.teams.all()) == [team_a]
    html = client_for(trainer).get(reverse("courses:plan_detail", args=[plan.pk])).content.decode()
    meta = html.split('data-testid="plan-teams"')[1].split("</dd>")[0]
    assert team_a.full_name in meta and "—" not in meta


def test_team_enrolled_on_the_page_joins_the_plan(client_for, trainer, team_a):
    plan = PlanFactory(owners=[trainer], status=TrainingPlan.Status.PUBLISHED)
    make_salesperson(team_a)
    response = client_for(trainer).post(reverse("learning:enroll"), {"plan": plan.pk, "who": "team", "team": team_a.pk})
    assert response.status_code == 302
    assert list(plan.teams.all()) == [team_a]


# --- the teams on the plan page -------------------------------------------------------------------------------


def test_teams_link_to_the_team_page_only_for_who_may_open_it(client_for, trainer, team_a, team_b, manager_a):
    plan = PlanFactory(owners=[trainer], teams=[team_a, team_b], status=TrainingPlan.Status.PUBLISHED)
    people_url = reverse("trainees:people")
    html = client_for(manager_a).get(reverse("courses:plan_detail", args=[plan.pk])).content.decode()
    meta = html.split('data-testid="plan-teams"')[1].split("</dd>")[0]
    assert f'href="{people_url}?team={team_a.pk}"' in meta
    assert f"?team={team_b.pk}" not in meta and team_b.full_name in meta
    assert client_for(manager_a).get(f"{people_url}?team={team_a.pk}").status_code == 200


def test_plan_page_with_teams_runs_a_bounded_number_of_queries(
    client_for, trainer, django_assert_max_num_queries, region
):
    from tests.factories import TeamFactory

    teams = [TeamFactory(name=f"组{i}", parent=region) for i in range(15)]
    plan = PlanFactory(owners=[trainer], teams=teams)
    client = client_for(trainer)
    url = reverse("courses:plan_detail", args=[plan.pk])
    client.get(url)
    with django_assert_max_num_queries(20):
        html = client.get(url).content.decode()
    assert all(t.full_name in html for t in teams)


# --- publishing -----------------------------------------------------------------------------------------------


def test_publish_asks_for_confirmation_first(client_for, plan, trainer, team_a):
    make_salesperson(team_a)
    SessionFactory(plan=plan)
    client = client_for(trainer)
    url = reverse("courses:plan_publish", args=[plan.pk])
    page = client.get(url, **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="publish-effects"' in html and 'data-testid="publish-checklist"' in html
    assert "The plan is for 1 person in these teams" in html and team_a.full_name in html
    assert "The plan has objectives." in html and 'data-ok="0"' in html
    assert 'name="confirm" value="1"' in html and "<script" not in html.split("</main>")[0].split("<main")[-1]
    plan.refresh_from_db()
    assert plan.status == "draft"
    # A bare POST (no confirmation) shows the page again and publishes nothing.
    assert client.post(url).status_code == 200
    plan.refresh_from_db()
    assert plan.status == "draft"
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "published"


def test_builder_publish_button_leads_to_the_confirmation(client_for, plan, trainer):
    html = client_for(trainer).get(reverse("courses:plan_edit", args=[plan.pk])).content.decode()
    assert f'href="{reverse("courses:plan_publish", args=[plan.pk])}" data-testid="publish"' in html


def test_publish_with_conflicts_needs_them_accepted(client_for, plan, trainer):
    SessionFactory(plan=plan, day=1, start_time=t("09:00"), end_time=t("10:30"), title="开场破冰")
    SessionFactory(plan=plan, day=1, start_time=t("10:00"), end_time=t("11:00"), title="产品知识")
    client = client_for(trainer)
    url = reverse("courses:plan_publish", args=[plan.pk])
    html = client.get(url, **EN).content.decode()
    assert 'data-testid="conflict-overlap"' in html and 'name="accept_conflicts"' in html
    refused = client.post(url, {"confirm": "1"}, **EN)
    assert refused.status_code == 400 and 'data-testid="publish-error"' in refused.content.decode()
    plan.refresh_from_db()
    assert plan.status == "draft"
    client.post(url, {"confirm": "1", "accept_conflicts": "1"})
    plan.refresh_from_db()
    assert plan.status == "published"


def test_publish_checklist_blocks_a_plan_without_sessions(client_for, trainer):
    plan = PlanFactory(owners=[trainer], start_date=None)
    client = client_for(trainer)
    url = reverse("courses:plan_publish", args=[plan.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="publish-blocked"' in html and 'data-testid="publish-form"' not in html
    response = client.post(url, {"confirm": "1"}, follow=True)
    plan.refresh_from_db()
    assert plan.status == "draft" and "alert-danger" in response.content.decode()


def test_publish_confirmation_is_404_for_others(client_for, plan, sales_a, other_trainer, manager_a):
    SessionFactory(plan=plan)
    url = reverse("courses:plan_publish", args=[plan.pk])
    for user in (sales_a, other_trainer, manager_a):
        client = client_for(user)
        assert client.get(url).status_code in (403, 404)
        assert client.post(url, {"confirm": "1"}).status_code in (403, 404)
    assert client_for(other_trainer).get(url).status_code == 404
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_publish_page_of_a_published_plan_goes_back_to_it(client_for, trainer):
    plan = PlanFactory(owners=[trainer], status=TrainingPlan.Status.PUBLISHED)
    response = client_for(trainer).get(reverse("courses:plan_publish", args=[plan.pk]))
    assert response.status_code == 302 and response.url == reverse("courses:plan_detail", args=[plan.pk])


# --- the session-actions hook, and the builder's query budget -------------------------------------------------


@pytest.fixture
def no_session_providers():
    """The apps' own providers (assessments/) set aside, so a test sees only what it registers."""
    hook = courses_hooks.plan_session_actions
    saved = hook.functions
    for fn in saved:
        hook.unregister(fn)
    yield
    for fn in saved:
        hook.register(fn)


@pytest.fixture
def session_actions(no_session_providers):
    calls = []

    def provide(*, user, plan, sessions):
        calls.append([s.pk for s in sessions])
        return {s.pk: [{"label": f"添加测验 {s.title}", "url": f"/quizzes/new/?session={s.pk}"}] for s in sessions[:1]}

    def provide_more(*, user, plan, sessions):
        return {sessions[0].pk: [{"label": "已关联测验", "url": "/quizzes/1/"}]} if sessions else {}

    courses_hooks.plan_session_actions.register(provide)
    courses_hooks.plan_session_actions.register(provide_more)
    yield calls
    courses_hooks.plan_session_actions.unregister(provide)
    courses_hooks.plan_session_actions.unregister(provide_more)


def test_session_action_links_show_on_their_cards(client_for, plan, trainer, session_actions):
    first = SessionFactory(plan=plan, day=1, start_time=t("09:00"), end_time=t("10:00"), title="甲")
    second = SessionFactory(plan=plan, day=1, start_time=t("10:00"), end_time=t("11:00"), title="乙")
    html = client_for(trainer).get(reverse("courses:plan_edit", args=[plan.pk])).content.decode()
    assert session_actions == [[first.pk, second.pk]]  # called once, with every session
    links = html.split(f'data-testid="session-actions-{first.pk}"')[1].split("</ul>")[0]
    assert 'href="/quizzes/new/?session=' in links and "添加测验 甲" in links and "已关联测验" in links
    assert f'data-testid="session-actions-{second.pk}"' not in html


def test_no_session_actions_without_providers(client_for, plan, trainer, no_session_providers):
    SessionFactory(plan=plan)
    html = client_for(trainer).get(reverse("courses:plan_edit", args=[plan.pk])).content.decode()
    assert "session-actions-" not in html


def test_builder_with_30_sessions_runs_a_bounded_number_of_queries(
    client_for, plan, trainer, django_assert_max_num_queries, session_actions
):
    teacher = make_trainer(username="teacher", display_name="周老师")
    Session.objects.bulk_create(
        Session(
            plan=plan,
            day=1 + i % 6,
            start_time=t(f"{8 + i // 6}:00"),
            end_time=t(f"{9 + i // 6}:30"),  # each overlaps the next one of its day
            title=f"课{i}",
            trainer=teacher,
        )
        for i in range(30)
    )
    client = client_for(trainer)
    url = reverse("courses:plan_edit", args=[plan.pk])
    client.get(url)
    with django_assert_max_num_queries(20):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and html.count('class="session-card') == 30
    assert "overlap-" in html and 'data-testid="conflict-count"' in html

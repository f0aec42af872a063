import datetime as dt

import pytest
from django.db.models import Q
from django.urls import reverse

from courses import hooks as courses_hooks
from courses.models import Category, PlanChange, Session, TrainingPlan
from tests.courses.plan_factories import *  # noqa: F403
from tests.courses.plan_factories import START, PlanFactory, SessionFactory, fill_plan, t
from tests.factories import make_salesperson, make_trainer

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


# --- who sees what --------------------------------------------------------------------------------------------


def test_trainer_sees_own_plans_and_templates_only(client_for, trainer, other_trainer):
    mine = PlanFactory(owners=[trainer], title="我的计划")
    theirs = PlanFactory(owners=[other_trainer], title="别人的计划")
    template = PlanFactory(owners=[other_trainer], is_template=True, start_date=None, title="共享模板")
    client = client_for(trainer)
    html = client.get(reverse("courses:plan_list")).content.decode()
    assert mine.title in html and template.title in html and theirs.title not in html
    assert client.get(reverse("courses:plan_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("courses:plan_detail", args=[template.pk])).status_code == 200
    # A template another trainer owns can be read and cloned but not edited.
    assert client.get(reverse("courses:plan_edit", args=[template.pk])).status_code == 404


def test_manager_reads_plans_for_their_teams_only(client_for, plan, manager_a, manager_b):
    assert client_for(manager_a).get(reverse("courses:plan_detail", args=[plan.pk])).status_code == 200
    assert client_for(manager_a).get(reverse("courses:plan_edit", args=[plan.pk])).status_code == 404
    assert client_for(manager_b).get(reverse("courses:plan_detail", args=[plan.pk])).status_code == 404
    assert plan.title not in client_for(manager_b).get(reverse("courses:plan_list")).content.decode()


def test_manager_of_parent_team_sees_plans_of_sub_teams(client_for, trainer, sub_team_a, manager_a):
    plan = PlanFactory(owners=[trainer], teams=[sub_team_a])
    assert client_for(manager_a).get(reverse("courses:plan_detail", args=[plan.pk])).status_code == 200


def test_salesperson_sees_published_plans_through_participation_scope(client_for, plan, trainer, sales_a, sales_b):
    def provider(*, user):
        return Q(pk__in=TrainingPlan.teams.through.objects.filter(team_id=user.team_id).values("trainingplan_id"))

    url = reverse("courses:plan_detail", args=[plan.pk])
    courses_hooks.plan_participation_scope.register(provider)
    try:
        assert client_for(sales_a).get(url).status_code == 404  # a draft is not shown to participants
        plan.status = TrainingPlan.Status.PUBLISHED
        plan.save()
        assert client_for(sales_a).get(url).status_code == 200
        assert client_for(sales_a).get(reverse("courses:plan_edit", args=[plan.pk])).status_code == 404
        assert client_for(sales_b).get(url).status_code == 404
    finally:
        courses_hooks.plan_participation_scope.unregister(provider)
    assert client_for(sales_a).get(url).status_code == 404


def test_salesperson_without_participation_sees_nothing(client_for, plan, sales_a):
    plan.status = TrainingPlan.Status.PUBLISHED
    plan.save()
    response = client_for(sales_a).get(reverse("courses:plan_list"))
    assert response.status_code == 200 and plan.title not in response.content.decode()
    assert client_for(sales_a).get(reverse("courses:plan_detail", args=[plan.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, plan):
    for name in ("courses:plan_detail", "courses:plan_edit", "courses:plan_calendar"):
        response = client.get(reverse(name, args=[plan.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_user_without_role_gets_404_on_list(client_for, db):
    from tests.factories import UserFactory

    assert client_for(UserFactory()).get(reverse("courses:plan_list")).status_code == 404


def test_admin_sees_everything(client_for, plan, admin_user):
    assert client_for(admin_user).get(reverse("courses:plan_detail", args=[plan.pk])).status_code == 200


def test_only_trainers_create_plans(client_for, manager_a):
    assert client_for(manager_a).get(reverse("courses:plan_new")).status_code == 404


# --- create and clone -----------------------------------------------------------------------------------------


def test_create_plan_from_template_copies_and_redirects_to_builder(client_for, trainer, other_trainer):
    template = PlanFactory(owners=[other_trainer], is_template=True, start_date=None)
    fill_plan(template, per_day=2)
    response = client_for(trainer).post(
        reverse("courses:plan_new"), {"template": template.pk, "title": "新计划", "start_date": "2026-06-01"}
    )
    plan = TrainingPlan.objects.get(title="新计划")
    assert response.status_code == 302 and response["Location"] == reverse("courses:plan_edit", args=[plan.pk])
    assert plan.sessions.count() == 12 and list(plan.owners.all()) == [trainer] and not plan.is_template


def test_create_blank_plan_with_bad_input_shows_errors(client_for, trainer):
    response = client_for(trainer).post(reverse("courses:plan_new"), {"title": "", "days": "40"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "invalid-feedback" in html
    assert TrainingPlan.objects.count() == 0


def test_clone_page_and_save_as_template(client_for, plan, trainer):
    fill_plan(plan, per_day=1)
    client = client_for(trainer)
    response = client.post(reverse("courses:plan_clone", args=[plan.pk]), {"start_date": "", "as_template": "on"})
    copy = TrainingPlan.objects.exclude(pk=plan.pk).get()
    assert response.status_code == 302 and copy.is_template and copy.sessions.count() == 6
    response = client.post(reverse("courses:plan_clone", args=[plan.pk]), {"start_date": ""})
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()


# --- the builder (htmx) ---------------------------------------------------------------------------------------


def test_builder_adds_a_session_and_returns_the_board(client_for, plan, trainer):
    client = client_for(trainer)
    url = reverse("courses:session_new", args=[plan.pk])
    form = client.get(url + "?day=2", **HX)
    assert form.status_code == 200 and 'name="start_time"' in form.content.decode()
    cat = Category.objects.get(code="product")
    response = client.post(
        url, {"day": "2", "start_time": "09:00", "end_time": "10:30", "title": "产品知识", "category": cat.pk}, **HX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="schedule"' in html and 'id="coverage"' in html and html.count('hx-swap-oob="true"') == 3
    assert "产品知识" in html
    assert Session.objects.get(plan=plan).day == 2


def test_builder_shows_errors_next_to_fields(client_for, plan, trainer):
    SessionFactory(plan=plan, day=1, room="一号室", title="已有课程")
    client = client_for(trainer)
    response = client.post(
        reverse("courses:session_new", args=[plan.pk]),
        {"day": "1", "start_time": "09:30", "end_time": "09:00", "title": "新课程", "room": "一号室"},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="end_time"' in html
    response = client.post(
        reverse("courses:session_new", args=[plan.pk]),
        {"day": "1", "start_time": "09:30", "end_time": "11:00", "title": "新课程", "room": "一号室"},
        **HX,
    )
    html = response.content.decode()
    assert 'data-field-error="room"' in html and "已有课程" in html
    response = client.post(
        reverse("courses:session_new", args=[plan.pk]),
        {"day": "9", "start_time": "xx", "end_time": "", "title": ""},
        **HX,
    )
    assert response.status_code == 200
    assert 'data-field-error="day"' in response.content.decode()
    assert plan.sessions.count() == 1


def test_builder_edit_move_reorder_delete(client_for, plan, trainer):
    a = SessionFactory(plan=plan, day=1, start_time=t("09:00"), end_time=t("10:00"), title="A")
    b = SessionFactory(plan=plan, day=1, start_time=t("10:00"), end_time=t("11:00"), title="B")
    client = client_for(trainer)
    edit = reverse("courses:session_edit", args=[plan.pk, a.pk])
    assert client.get(edit, **HX).status_code == 200
    client.post(edit, {"day": "1", "start_time": "09:00", "end_time": "10:00", "title": "A2"}, **HX)
    a.refresh_from_db()
    assert a.title == "A2"
    client.post(reverse("courses:session_move", args=[plan.pk, b.pk]), {"direction": "up"}, **HX)
    b.refresh_from_db()
    assert b.start_time == t("09:00")
    client.post(reverse("courses:session_move", args=[plan.pk, a.pk]), {"day": "3"}, **HX)
    a.refresh_from_db()
    assert a.day == 3
    response = client.post(reverse("courses:session_move", args=[plan.pk, a.pk]), {"day": "99"}, **HX)
    assert 'data-testid="board-error"' in response.content.decode()
    c = SessionFactory(plan=plan, day=1, start_time=t("13:00"), end_time=t("14:00"), title="C")
    client.post(reverse("courses:day_reorder", args=[plan.pk, 1]), {"order": f"{c.pk},{b.pk}"}, **HX)
    c.refresh_from_db()
    assert c.start_time == t("09:00")
    client.post(reverse("courses:session_delete", args=[plan.pk, c.pk]), **HX)
    assert not Session.objects.filter(pk=c.pk).exists()


def test_builder_header_and_objectives(client_for, plan, trainer, team_a):
    client = client_for(trainer)
    response = client.post(
        reverse("courses:plan_header", args=[plan.pk]),
        {"title": "新标题", "start_date": "2026-03-02", "days": "6", "venue": "培训中心", "teams": [team_a.pk]},
        **HX,
    )
    assert response.status_code == 200 and "alert-success" in response.content.decode()
    plan.refresh_from_db()
    assert plan.title == "新标题" and plan.venue == "培训中心"
    response = client.post(reverse("courses:plan_header", args=[plan.pk]), {"title": "", "days": "6"}, **HX)
    assert "invalid-feedback" in response.content.decode()
    response = client.post(
        reverse("courses:objective_add", args=[plan.pk]), {"kind": "skill", "text": "提高谈判技能"}, **HX
    )
    assert "提高谈判技能" in response.content.decode() and 'hx-swap-oob="true"' in response.content.decode()
    response = client.post(reverse("courses:objective_add", args=[plan.pk]), {"kind": "skill", "text": ""}, **HX)
    assert "invalid-feedback" in response.content.decode()
    objective = plan.objectives.get()
    client.post(reverse("courses:objective_delete", args=[plan.pk, objective.pk]), **HX)
    assert plan.objectives.count() == 0


def test_builder_is_refused_to_others(client_for, plan, manager_a, sales_a, other_trainer):
    s = SessionFactory(plan=plan)
    for user in (manager_a, sales_a, other_trainer):
        client = client_for(user)
        assert client.get(reverse("courses:plan_edit", args=[plan.pk])).status_code == 404
        response = client.post(reverse("courses:session_move", args=[plan.pk, s.pk]), {"day": "2"}, **HX)
        assert response.status_code == 404
        response = client.post(reverse("courses:session_delete", args=[plan.pk, s.pk]), **HX)
        assert response.status_code == 404
    assert Session.objects.filter(pk=s.pk, day=1).exists()


def test_session_of_another_plan_is_404(client_for, plan, trainer):
    other = PlanFactory(owners=[trainer])
    s = SessionFactory(plan=other)
    response = client_for(trainer).post(reverse("courses:session_delete", args=[plan.pk, s.pk]), **HX)
    assert response.status_code == 404


def test_clash_warning_is_shown_in_the_builder(client_for, plan, trainer, other_trainer):
    other = PlanFactory(owners=[other_trainer], title="别的计划")
    SessionFactory(plan=other, day=1, trainer=trainer, title="别处的课")
    s = SessionFactory(plan=plan, day=1, trainer=trainer, title="这里的课")
    html = client_for(trainer).get(reverse("courses:plan_edit", args=[plan.pk])).content.decode()
    assert f'data-testid="clash-{s.pk}"' in html and "别处的课" in html
    response = client_for(trainer).post(
        reverse("courses:session_edit", args=[plan.pk, s.pk]),
        {"day": "1", "start_time": "09:00", "end_time": "10:00", "title": "这里的课", "trainer": trainer.pk},
        **HX,
    )
    assert 'data-testid="saved-with-warning"' in response.content.decode()


# --- publish and the change log -------------------------------------------------------------------------------


def test_publish_then_edits_are_logged_and_visible(client_for, plan, trainer, manager_a):
    s = SessionFactory(plan=plan, title="第一课")
    client = client_for(trainer)
    response = client.post(reverse("courses:plan_publish", args=[plan.pk]), {"confirm": "1"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "published"
    client.post(reverse("courses:session_move", args=[plan.pk, s.pk]), {"day": "2"}, **HX)
    assert PlanChange.objects.filter(plan=plan, action="session_changed").exists()
    html = client_for(manager_a).get(reverse("courses:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="change-log"' in html and "第一课" in html


def test_publish_without_sessions_shows_message(client_for, plan, trainer):
    response = client_for(trainer).post(reverse("courses:plan_publish", args=[plan.pk]), {"confirm": "1"}, follow=True)
    plan.refresh_from_db()
    assert plan.status == "draft" and "alert-danger" in response.content.decode()


def test_published_plan_is_frozen_for_admin_but_not_owner(client_for, plan, trainer, admin_user):
    SessionFactory(plan=plan)
    client_for(trainer).post(reverse("courses:plan_publish", args=[plan.pk]), {"confirm": "1"})
    assert client_for(admin_user).get(reverse("courses:plan_edit", args=[plan.pk])).status_code == 404
    assert client_for(trainer).get(reverse("courses:plan_edit", args=[plan.pk])).status_code == 200


def test_delete_draft_only(client_for, plan, trainer):
    client = client_for(trainer)
    other = PlanFactory(owners=[trainer], status=TrainingPlan.Status.PUBLISHED)
    client.post(reverse("courses:plan_delete", args=[other.pk]))
    assert TrainingPlan.objects.filter(pk=other.pk).exists()
    client.post(reverse("courses:plan_delete", args=[plan.pk]))
    assert not TrainingPlan.objects.filter(pk=plan.pk).exists()


# --- bounded queries ------------------------------------------------------------------------------------------


@pytest.fixture
def many_plans(trainer, team_a):
    other = make_trainer(username="co_trainer")
    plans = []
    for i in range(50):
        p = PlanFactory(owners=[trainer, other], teams=[team_a], start_date=START + dt.timedelta(days=7 * i))
        fill_plan(p, per_day=6, trainer=trainer if i % 2 else other)
        plans.append(p)
    return plans


def test_plan_list_queries_are_bounded(client_for, trainer, many_plans, django_assert_max_num_queries):
    client = client_for(trainer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("courses:plan_list"))
    assert response.status_code == 200 and response.context["page"].paginator.count == 50


def test_builder_and_plan_page_queries_are_bounded(client_for, trainer, many_plans, django_assert_max_num_queries):
    plan = many_plans[10]
    client = client_for(trainer)
    with django_assert_max_num_queries(18):
        response = client.get(reverse("courses:plan_edit", args=[plan.pk]))
    assert response.status_code == 200 and response.content.decode().count('class="session-card') == 36
    with django_assert_max_num_queries(16):
        assert client.get(reverse("courses:plan_detail", args=[plan.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("courses:plan_print", args=[plan.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("courses:plan_docx", args=[plan.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("courses:plan_calendar", args=[plan.pk])).status_code == 200


def test_manager_list_queries_are_bounded(client_for, manager_a, many_plans, django_assert_max_num_queries):
    client = client_for(manager_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("courses:plan_list"))
    assert response.context["page"].paginator.count == 50


# --- reference data page --------------------------------------------------------------------------------------


def test_trainer_edits_reference_data(client_for, trainer, sales_a):
    cat = Category.objects.get(code="market")
    client = client_for(trainer)
    assert client.get(reverse("courses:reference_index")).status_code == 200
    url = reverse("courses:reference_edit", args=["categories", cat.pk])
    response = client.post(url, {"name_zh": "", "name_en": "Market", "order": 3})
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    client.post(
        url, {"name_zh": "市场知识", "name_en": "Market", "description_zh": "", "description_en": "", "order": 3}
    )
    cat.refresh_from_db()
    assert cat.name_zh == "市场知识"
    assert client.get(reverse("courses:reference_edit", args=["nope", 1])).status_code == 404
    assert client_for(sales_a).get(reverse("courses:reference_index")).status_code == 404


def test_salesperson_cannot_edit_even_when_made_trainer_of_nothing(client_for, plan):
    user = make_salesperson(None, username="s_x")
    assert client_for(user).get(reverse("courses:plan_edit", args=[plan.pk])).status_code == 404


def test_admin_pages_for_plans(client_for, plan, admin_user, trainer):
    SessionFactory(plan=plan)
    client = client_for(admin_user)
    assert client.get(reverse("admin:courses_trainingplan_changelist")).status_code == 200
    assert client.get(reverse("admin:courses_trainingplan_change", args=[plan.pk])).status_code == 200
    assert client_for(trainer).get(reverse("admin:courses_trainingplan_changelist")).status_code == 302


def test_load_plan_templates_command_is_idempotent():
    import io

    from django.core.management import call_command

    call_command("load_plan_templates", stdout=io.StringIO())
    call_command("load_plan_templates", stdout=io.StringIO())
    assert TrainingPlan.objects.filter(is_template=True).count() == 3


def test_change_log_speaks_the_readers_language(client_for, plan, trainer, manager_a):
    SessionFactory(plan=plan, title="第一课")
    client_for(trainer).post(reverse("courses:plan_publish", args=[plan.pk]), {"confirm": "1"})
    client = client_for(manager_a)
    url = reverse("courses:plan_detail", args=[plan.pk])
    assert "发布了计划" in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Published the plan." in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_header_without_javascript_shows_errors_on_the_builder(client_for, plan, trainer):
    response = client_for(trainer).post(reverse("courses:plan_header", args=[plan.pk]), {"title": "", "days": "6"})
    html = response.content.decode()
    assert response.status_code == 200 and "invalid-feedback" in html and 'id="schedule"' in html
    response = client_for(trainer).post(reverse("courses:plan_header", args=[plan.pk]), {"title": "新", "days": "6"})
    assert response.status_code == 302


def test_plan_in_progress_is_marked_and_today_highlighted(client_for, trainer):
    from django.utils import timezone

    plan = PlanFactory(
        owners=[trainer], start_date=timezone.localdate() - dt.timedelta(days=1), status=TrainingPlan.Status.PUBLISHED
    )
    assert plan.is_in_progress
    html = client_for(trainer).get(reverse("courses:plan_detail", args=[plan.pk])).content.decode()
    assert "进行中" in html and "今天" in html
    assert not PlanFactory(owners=[trainer], start_date=timezone.localdate() + dt.timedelta(days=9)).is_in_progress


def test_builder_has_unique_element_ids(client_for, plan, trainer):
    import re
    from collections import Counter

    fill_plan(plan, per_day=2)
    client = client_for(trainer)
    html = client.get(reverse("courses:plan_edit", args=[plan.pk])).content.decode()
    html += client.get(reverse("courses:session_new", args=[plan.pk]), **HX).content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []


def test_trainer_reads_plans_they_teach_in_but_cannot_edit_them(client_for, trainer, other_trainer):
    theirs = PlanFactory(owners=[other_trainer])
    SessionFactory(plan=theirs, trainer=trainer)
    client = client_for(trainer)
    assert client.get(reverse("courses:plan_detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("courses:plan_edit", args=[theirs.pk])).status_code == 404


def test_reference_order_out_of_range_is_a_message_not_a_500(client_for, trainer):
    cat = Category.objects.get(code="market")
    url = reverse("courses:reference_edit", args=["categories", cat.pk])
    response = client_for(trainer).post(url, {"name_zh": "市场", "name_en": "Market", "order": 99999})
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    response = client_for(trainer).post(reverse("courses:plan_new"), {"title": "x", "days": 99999999999})
    assert response.status_code == 200 and TrainingPlan.objects.count() == 0

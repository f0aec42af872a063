import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses import hooks as courses_hooks
from courses import plan_selectors, plan_services
from courses.models import Category, Competency, Method, Objective, PlanChange, Session, TrainingPlan
from tests.courses.plan_factories import *  # noqa: F403
from tests.courses.plan_factories import START, PlanFactory, SessionFactory, fill_plan, t

pytestmark = pytest.mark.django_db


def add(plan, user, **kw):
    data = {"day": 1, "start_time": t("09:00"), "end_time": t("10:00"), "title": "课程"} | kw
    return plan_services.session_create(plan=plan, user=user, **data)


def test_end_must_be_after_start(plan, trainer):
    with pytest.raises(ValidationError) as e:
        add(plan, trainer, start_time=t("10:00"), end_time=t("10:00"))
    assert "end_time" in e.value.message_dict
    assert Session.objects.count() == 0


def test_day_must_be_inside_the_plan(plan, trainer):
    for day in (0, 7):
        with pytest.raises(ValidationError) as e:
            add(plan, trainer, day=day)
        assert "1 to 6" in " ".join(e.value.message_dict["day"]) or "1" in e.value.message_dict["day"][0]


def test_missing_title_and_times_are_reported_per_field(plan, trainer):
    with pytest.raises(ValidationError) as e:
        plan_services.session_create(plan=plan, user=trainer, day=1, start_time=None, end_time=None, title=" ")
    assert {"title", "start_time", "end_time"} <= set(e.value.message_dict)


def test_same_room_overlap_in_same_plan_is_refused(plan, trainer):
    add(plan, trainer, room="一号培训室", title="产品知识")
    with pytest.raises(ValidationError) as e:
        add(plan, trainer, room=" 一号培训室 ", start_time=t("09:30"), end_time=t("11:00"))
    assert "产品知识" in e.value.message_dict["room"][0]
    # Touching is not overlapping, another room or another day is fine.
    add(plan, trainer, room="一号培训室", start_time=t("10:00"), end_time=t("11:00"))
    add(plan, trainer, room="二号研讨室", start_time=t("09:30"), end_time=t("10:30"))
    add(plan, trainer, room="一号培训室", day=2)
    assert plan.sessions.count() == 4


def test_updating_a_session_does_not_clash_with_itself(plan, trainer):
    s = add(plan, trainer, room="A")
    plan_services.session_update(session=s, user=trainer, end_time=t("10:30"))
    s.refresh_from_db()
    assert s.end_time == t("10:30")


def test_trainer_must_have_the_trainer_role(plan, trainer, sales_a):
    with pytest.raises(ValidationError) as e:
        add(plan, trainer, trainer=sales_a)
    assert "trainer" in e.value.message_dict


def test_trainer_clash_across_plans_on_the_same_date_is_a_warning(plan, trainer, other_trainer):
    other = PlanFactory(owners=[other_trainer], start_date=START + dt.timedelta(days=2), days=3)
    # other plan's day 1 == plan's day 3
    theirs = SessionFactory(plan=other, day=1, start_time=t("09:30"), end_time=t("11:00"), trainer=trainer)
    mine = add(plan, trainer, day=3, trainer=trainer)  # saved despite the clash
    not_same_day = add(plan, trainer, day=2, trainer=trainer)
    clashes = plan_selectors.trainer_clashes(plan=plan)
    assert [c.other_id for c in clashes[mine.pk]] == [theirs.pk]
    assert not_same_day.pk not in clashes
    # Templates and archived plans never clash.
    other.status = TrainingPlan.Status.ARCHIVED
    other.save()
    assert plan_selectors.trainer_clashes(plan=plan) == {}


def test_trainer_clash_inside_one_plan(plan, trainer):
    a = add(plan, trainer, trainer=trainer, room="A")
    b = add(plan, trainer, trainer=trainer, room="B", start_time=t("09:45"), end_time=t("10:15"))
    clashes = plan_selectors.trainer_clashes(plan=plan)
    assert set(clashes) == {a.pk, b.pk}


def test_clone_is_deep_and_shifts_dates(plan, trainer, other_trainer):
    fill_plan(plan, per_day=2)
    copy = plan_services.plan_clone(plan=plan, user=other_trainer, start_date=dt.date(2026, 5, 11))
    assert copy.pk != plan.pk and copy.status == "draft" and copy.source_id == plan.pk
    assert list(copy.owners.all()) == [other_trainer]
    assert copy.sessions.count() == plan.sessions.count() == 12
    assert copy.objectives.count() == 3
    original = plan.sessions.get(day=4, start_time=t("08:00"))
    cloned = copy.sessions.get(day=4, start_time=t("08:00"))
    assert cloned.title == original.title and cloned.category_id == original.category_id
    assert copy.day_date(cloned.day) - plan.day_date(original.day) == dt.date(2026, 5, 11) - START
    # The copy is independent.
    plan_services.session_delete(session=cloned, user=other_trainer)
    assert plan.sessions.count() == 12


def test_clone_needs_a_start_date_unless_template(plan, trainer):
    with pytest.raises(ValidationError):
        plan_services.plan_clone(plan=plan, user=trainer)
    template = plan_services.plan_clone(plan=plan, user=trainer, as_template=True)
    assert template.is_template and template.start_date is None


def test_coverage_counts_hours_and_highlights_gaps(plan, trainer):
    sales = Category.objects.get(code="sales-skills")
    product = Category.objects.get(code="product")
    ethics = Competency.objects.get(code="ethics")
    add(plan, trainer, category=sales, competency=ethics, start_time=t("09:00"), end_time=t("10:30"))
    add(plan, trainer, category=sales, day=2, start_time=t("13:00"), end_time=t("14:00"))
    add(plan, trainer, category=product, day=3)
    plan_services.objective_create(plan=plan, user=trainer, kind="skill", text="提高技能")
    cov = plan_selectors.plan_coverage(plan=plan)
    rows = {r.key: r for r in cov.categories}
    assert rows["sales-skills"].hours == 2.5 and rows["sales-skills"].covered
    assert rows["product"].hours == 1.0
    assert not rows["market"].covered
    assert {r.key for r in cov.competencies if r.covered} == {"ethics"}
    assert {r.key for r in cov.objective_kinds if r.covered} == {"skill"}
    gap_keys = {r.key for r in cov.gaps}
    assert {"market", "competition", "company", "time-territory", "knowledge", "attitude", "mindset"} <= gap_keys
    assert cov.total_hours == 3.5


def test_publish_needs_date_and_sessions_then_logs_changes(trainer):
    plan = PlanFactory(owners=[trainer], start_date=None)
    with pytest.raises(ValidationError) as e:
        plan_services.plan_publish(plan=plan, user=trainer)
    assert {"start_date", "sessions"} <= set(e.value.message_dict)
    plan_services.plan_update(plan=plan, user=trainer, start_date=START)
    s = add(plan, trainer)
    assert PlanChange.objects.count() == 0  # drafts are not logged
    plan_services.plan_publish(plan=plan, user=trainer)
    plan.refresh_from_db()
    assert plan.status == "published" and plan.published_at
    plan_services.session_move(session=s, user=trainer, day=2)
    plan_services.plan_update(plan=plan, user=trainer, venue="新场地")
    actions = list(PlanChange.objects.filter(plan=plan).values_list("action", flat=True))
    assert actions == ["plan_updated", "session_changed", "published"]
    assert all(c.user == trainer for c in PlanChange.objects.all())
    with pytest.raises(plan_services.PlanStateError):
        plan_services.plan_publish(plan=plan, user=trainer)
    with pytest.raises(plan_services.PlanStateError):
        plan_services.plan_delete(plan=plan, user=trainer)


def test_templates_cannot_be_published(trainer):
    template = PlanFactory(owners=[trainer], is_template=True, start_date=None)
    with pytest.raises(plan_services.PlanStateError):
        plan_services.plan_publish(plan=template, user=trainer)


def test_archived_plan_is_frozen(plan, trainer):
    s = add(plan, trainer)
    plan_services.plan_publish(plan=plan, user=trainer)
    plan_services.plan_archive(plan=plan, user=trainer)
    with pytest.raises(plan_services.PlanStateError):
        plan_services.session_update(session=Session.objects.get(pk=s.pk), user=trainer, title="x")


def test_shortening_a_plan_below_its_sessions_is_refused(plan, trainer):
    add(plan, trainer, day=6)
    with pytest.raises(ValidationError) as e:
        plan_services.plan_update(plan=plan, user=trainer, days=5)
    assert "days" in e.value.message_dict
    plan.refresh_from_db()
    assert plan.days == 6


def test_plan_days_are_bounded(trainer):
    for days in (0, 31):
        with pytest.raises(ValidationError):
            plan_services.plan_create(user=trainer, title="x", days=days)
    assert TrainingPlan.objects.count() == 0


def test_reorder_gives_each_session_the_slot_it_lands_in(plan, trainer):
    a = add(plan, trainer, title="A", start_time=t("09:00"), end_time=t("10:00"))
    b = add(plan, trainer, title="B", start_time=t("10:00"), end_time=t("11:30"))
    plan_services.session_reorder(plan=plan, user=trainer, day=1, session_ids=[b.pk, a.pk])
    a.refresh_from_db()
    b.refresh_from_db()
    assert (b.start_time, b.end_time) == (t("09:00"), t("10:30"))
    assert (a.start_time, a.end_time) == (t("10:00"), t("11:00"))
    with pytest.raises(ValidationError):
        plan_services.session_reorder(plan=plan, user=trainer, day=1, session_ids=[a.pk])


def test_shift_moves_a_session_earlier(plan, trainer):
    a = add(plan, trainer, title="A", start_time=t("09:00"), end_time=t("10:00"))
    b = add(plan, trainer, title="B", start_time=t("10:00"), end_time=t("11:00"))
    plan_services.session_shift(session=b, user=trainer, direction=-1)
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.start_time < a.start_time


def test_objective_validation(plan, trainer):
    with pytest.raises(ValidationError) as e:
        plan_services.objective_create(plan=plan, user=trainer, kind="other", text="")
    assert {"kind", "text"} <= set(e.value.message_dict)
    o = plan_services.objective_create(plan=plan, user=trainer, kind="knowledge", text="增长知识")
    assert o.order == 1 and Objective.objects.count() == 1


def test_reference_names_are_required(trainer):
    method = Method.objects.get(code="lecture")
    with pytest.raises(ValidationError):
        plan_services.reference_item_update(item=method, user=trainer, name_zh="")
    plan_services.reference_item_update(item=method, user=trainer, name_zh="讲授", trade_off_zh="低成本")
    method.refresh_from_db()
    assert method.name_zh == "讲授" and method.trade_off_zh == "低成本"


def test_reorder_refuses_an_order_that_overlaps_in_one_room(plan, trainer):
    a = add(plan, trainer, title="A", start_time=t("09:00"), end_time=t("09:30"), room="R")
    b = add(plan, trainer, title="B", start_time=t("09:30"), end_time=t("11:00"), room="R")
    with pytest.raises(ValidationError) as e:
        plan_services.session_reorder(plan=plan, user=trainer, day=1, session_ids=[b.pk, a.pk])
    assert "R" in e.value.messages[0]
    a.refresh_from_db()
    assert a.start_time == t("09:00")


def test_moving_into_a_taken_room_is_refused(plan, trainer):
    add(plan, trainer, title="A", day=2, room="R")
    b = add(plan, trainer, title="B", day=1, room="R")
    with pytest.raises(ValidationError) as e:
        plan_services.session_move(session=b, user=trainer, day=2)
    assert "room" in e.value.message_dict
    b.refresh_from_db()
    assert b.day == 1


def test_next_free_slot_follows_the_last_session(plan, trainer):
    assert plan_selectors.next_free_slot(plan=plan, day=1) == (t("09:00"), t("10:30"))
    add(plan, trainer, start_time=t("13:30"), end_time=t("15:00"))
    assert plan_selectors.next_free_slot(plan=plan, day=1) == (t("15:00"), t("16:30"))
    add(plan, trainer, day=2, start_time=t("22:00"), end_time=t("23:30"))
    assert plan_selectors.next_free_slot(plan=plan, day=2) == (t("09:00"), t("10:30"))


slot = st.tuples(st.integers(1, 3), st.integers(8 * 4, 18 * 4), st.integers(1, 12), st.sampled_from(["A", "B", ""]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(slot, min_size=1, max_size=12))
def test_accepted_sessions_never_share_a_room_at_once(plan, trainer, slots):
    """Whatever sequence of sessions is offered, what the service accepts has no room double-booked."""
    plan.sessions.all().delete()
    for day, start_q, length_q, room in slots:
        start = dt.time(start_q // 4, (start_q % 4) * 15)
        end_minutes = start_q * 15 + length_q * 15
        end = dt.time(end_minutes // 60, end_minutes % 60)
        try:
            add(plan, trainer, day=day, start_time=start, end_time=end, room=room)
        except ValidationError:
            pass
    sessions = list(plan.sessions.all())
    for i, a in enumerate(sessions):
        for b in sessions[i + 1 :]:
            if a.day == b.day and a.room and a.room == b.room:
                assert a.end_time <= b.start_time or b.end_time <= a.start_time


def test_change_listeners_run_after_commit_for_published_plans(plan, trainer, django_capture_on_commit_callbacks):
    calls = []

    def listener(*, plan_id, change_id):
        calls.append((plan_id, PlanChange.objects.get(pk=change_id).action))

    courses_hooks.plan_changed.register(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            s = add(plan, trainer)  # a draft: no change log, no call
        assert calls == []
        with django_capture_on_commit_callbacks(execute=True):
            plan_services.plan_publish(plan=plan, user=trainer)
            plan_services.session_move(session=s, user=trainer, day=2)
        assert calls == [(plan.pk, "published"), (plan.pk, "session_changed")]
    finally:
        courses_hooks.plan_changed.unregister(listener)

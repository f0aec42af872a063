"""The training plans table: TeamPlanStats match a recomputation from raw rows, hooks and the repair keep them,
a manager sees only the plans their teams take part in with figures over their own people (page, API, export)."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from assessments.models import Attempt, Quiz
from courses.models import TrainingPlan
from dashboards import services
from dashboards.models import TeamPlanStats
from dashboards.selectors import plan_exam
from learning import services as learning_services
from learning.models import Enrollment
from tests.courses.plan_factories import PlanFactory, SessionFactory
from tests.dashboards.factories import STATES
from tests.factories import make_salesperson

pytestmark = pytest.mark.django_db

HOME = reverse("dashboards:home")
START = reverse("dashboards:export_start")


def _plan(title, courses, *, exam_day=6, owners=()):
    plan = PlanFactory(title=title, status=TrainingPlan.Status.PUBLISHED, owners=list(owners))
    for day, course in enumerate(courses, start=1):
        SessionFactory(plan=plan, day=day, course=course)
    if courses:  # the same course twice in a plan counts once
        SessionFactory(plan=plan, day=2, course=courses[0])
    exam = None
    if exam_day:
        exam = Quiz.objects.create(title=f"{title}考试", plan=plan, plan_day=exam_day, status=Quiz.Status.PUBLISHED)
        Quiz.objects.create(title=f"{title}小测", plan=plan, plan_day=1, status=Quiz.Status.PUBLISHED)
    return plan, exam


def _expected(plan, team, today):
    """The figures of `plan` over `team`'s subtree (None: everyone), recomputed naively from raw rows."""
    courses = sorted({s.course_id for s in plan.sessions.all() if s.course_id})
    people = [
        e.user
        for e in Enrollment.objects.filter(plan=plan, unenrolled_at__isnull=True).select_related("user__team")
        if e.user.is_active and (team is None or (e.user.team and e.user.team.path.startswith(team.path)))
    ]
    out = {"participants": len(people), "courses": len(courses), "completed": 0, "overdue": 0, "progress_sum": 0}
    out |= {"exam_takers": 0, "exam_passed": 0, "exam_score_sum": 0.0}
    exam = plan_exam(plan=plan)
    for person in people:
        for cid in courses:
            e = Enrollment.objects.filter(user=person, course_id=cid, unenrolled_at__isnull=True).first()
            if e is None:
                continue
            done = e.status == Enrollment.Status.COMPLETED
            out["completed"] += done
            out["overdue"] += not done and (
                e.status == Enrollment.Status.OVERDUE or bool(e.due_date and e.due_date < today)
            )
            out["progress_sum"] += e.progress
        if exam is not None:
            graded = list(Attempt.objects.filter(quiz=exam, user=person, status=Attempt.Status.GRADED))
            if graded:
                out["exam_takers"] += 1
                out["exam_passed"] += any(a.passed for a in graded)
                out["exam_score_sum"] += float(max(a.percent for a in graded))
    return out


def _stored(plan, team):
    row = TeamPlanStats.objects.filter(plan=plan, team=team).first()
    if row is None:
        return None
    keys = ("participants", "courses", "completed", "overdue", "progress_sum", "exam_takers", "exam_passed")
    return {k: getattr(row, k) for k in keys} | {"exam_score_sum": row.exam_score_sum}


enrollment_st = st.tuples(
    st.sampled_from(STATES), st.integers(0, 100), st.one_of(st.none(), st.integers(-10, 10)), st.booleans()
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_plan_figures_match_recomputation_from_raw_rows(data, team_a, sub_team_a, team_b, courses):
    """Each example runs in a savepoint that is rolled back."""
    with transaction.atomic():
        _check_one_example(data, team_a, sub_team_a, team_b, courses)
        transaction.set_rollback(True)


def _check_one_example(data, team_a, sub_team_a, team_b, courses):
    today = timezone.localdate()
    now = timezone.now()
    plans = [_plan("甲", courses[:2])[0], _plan("乙", courses, exam_day=data.draw(st.sampled_from([0, 3, 6])))[0]]
    people = [make_salesperson(t) for t in (team_a, sub_team_a, team_b, sub_team_a)]
    people[3].is_active = data.draw(st.booleans())
    people[3].save(update_fields=["is_active"])
    for person in people:
        for course in courses:
            if data.draw(st.booleans()):
                status, progress, due, removed = data.draw(enrollment_st)
                Enrollment.objects.create(
                    user=person,
                    course=course,
                    status=status,
                    progress=progress,
                    due_date=today + timedelta(days=due) if due is not None else None,
                    unenrolled_at=now if removed else None,
                )
        for plan in plans:
            if data.draw(st.booleans()):
                Enrollment.objects.create(
                    user=person, plan=plan, unenrolled_at=now if data.draw(st.booleans()) else None
                )
            for quiz in Quiz.objects.filter(plan=plan):
                for number in range(1, data.draw(st.integers(0, 2)) + 1):
                    percent = data.draw(st.integers(0, 100))
                    Attempt.objects.create(
                        quiz=quiz,
                        user=person,
                        number=number,
                        started_at=now,
                        status=data.draw(st.sampled_from([Attempt.Status.GRADED, Attempt.Status.GRADED, "submitted"])),
                        percent=percent,
                        passed=percent >= 60,
                    )
    services.stats_repair()
    for plan in plans:
        for team in (None, team_a, sub_team_a, team_b):
            expected = _expected(plan, team, today)
            stored = _stored(plan, team)
            if not expected["participants"]:
                assert stored is None
                continue
            assert stored == pytest.approx(expected), (plan.title, team)


def _setup(team_a, sub_team_a, team_b, courses):
    """A plan taken by team_a (and its sub-team) and team_b; a plan only team_b takes."""
    shared, exam = _plan("共同计划", courses[:2])
    only_b, _exam_b = _plan("乙队计划", courses[2:])
    a1, a2, b1 = make_salesperson(team_a), make_salesperson(sub_team_a), make_salesperson(team_b)
    for person in (a1, a2, b1):
        Enrollment.objects.create(user=person, plan=shared)
    Enrollment.objects.create(user=b1, plan=only_b)
    Enrollment.objects.create(user=a1, course=courses[0], status=Enrollment.Status.COMPLETED, progress=100)
    Enrollment.objects.create(user=b1, course=courses[0], status=Enrollment.Status.COMPLETED, progress=100)
    Enrollment.objects.create(user=b1, course=courses[1], status=Enrollment.Status.COMPLETED, progress=100)
    now = timezone.now()
    Attempt.objects.create(quiz=exam, user=a1, number=1, started_at=now, status="graded", percent=90, passed=True)
    Attempt.objects.create(quiz=exam, user=b1, number=1, started_at=now, status="graded", percent=30, passed=False)
    services.stats_repair()
    return shared, only_b, (a1, a2, b1)


def test_manager_sees_plans_of_their_teams_with_their_people_only(
    client_for, manager_a, team_a, sub_team_a, team_b, courses
):
    shared, only_b, _people = _setup(team_a, sub_team_a, team_b, courses)
    body = client_for(manager_a).get(HOME, {"team": team_a.id}).content.decode()
    table = body[body.index('data-testid="plans-table"') :]
    table = table[: table.index("</table>")]
    assert shared.title in table and only_b.title not in table
    row = TeamPlanStats.objects.get(plan=shared, team=team_a)
    # team_a's two people, not team_b's: 1 of 4 linked-course enrollments done, one exam taker who passed
    assert (row.participants, row.completed, row.completion_rate, row.exam_pass_rate, row.exam_avg) == (
        2,
        1,
        25,
        100,
        90,
    )
    assert "25.0%" in table and "100.0%" in table
    sub = TeamPlanStats.objects.get(plan=shared, team=sub_team_a)
    assert (sub.participants, sub.completed, sub.exam_takers) == (1, 0, 0)
    overall = TeamPlanStats.objects.get(plan=shared, team=None)
    assert (overall.participants, overall.completed, overall.exam_takers, overall.exam_passed) == (3, 3, 2, 1)


def test_plans_api_sorts_filters_and_walks_by_cursor(api_for, manager_a, team_a, sub_team_a, team_b, courses):
    _setup(team_a, sub_team_a, team_b, courses)
    extra = [_plan(f"附加计划{i}", courses[:1], exam_day=0)[0] for i in range(4)]
    people = [make_salesperson(team_a) for _ in range(2)]
    for i, plan in enumerate(extra):
        for person in people[: 1 + i % 2]:
            Enrollment.objects.create(user=person, plan=plan)
    services.stats_refresh_plans()
    api = api_for(manager_a)
    seen, url = [], f"/api/v1/dashboards/teams/{team_a.id}/plans/?sort=-participants&page_size=2"
    while url:
        response = api.get(url)
        assert response.status_code == 200
        seen += response.json()["results"]
        url = response.json()["next"]
    assert len(seen) == len({r["id"] for r in seen}) == 5
    assert [r["participants"] for r in seen] == sorted((r["participants"] for r in seen), reverse=True)
    found = api.get(f"/api/v1/dashboards/teams/{team_a.id}/plans/", {"q": "共同"}).json()["results"]
    assert [r["title"] for r in found] == ["共同计划"] and found[0]["completion_rate"] == 25.0
    by_title = api.get(f"/api/v1/dashboards/teams/{team_a.id}/plans/", {"sort": "title"}).json()["results"]
    assert [r["title"] for r in by_title] == sorted(r["title"] for r in by_title)
    # a garbled cursor is a 400 naming it; an unknown sort falls back to the default
    garbled = api.get(f"/api/v1/dashboards/teams/{team_a.id}/plans/", {"cursor": "%%%", "sort": "salary"})
    assert garbled.status_code == 400 and "cursor" in garbled.json()["error"]["fields"]
    assert api.get(f"/api/v1/dashboards/teams/{team_a.id}/plans/", {"sort": "salary"}).status_code == 200


def test_plans_table_page_htmx_partial_and_cursor(client_for, manager_a, team_a, sub_team_a, team_b, courses):
    _setup(team_a, sub_team_a, team_b, courses)
    client = client_for(manager_a)
    partial = client.get(
        HOME, {"team": team_a.id, "partial": "plans", "plan_q": "共同"}, headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200 and b'id="plans-table"' in partial.content and b"<html" not in partial.content
    assert "共同计划" in partial.content.decode()
    none = client.get(
        HOME, {"team": team_a.id, "partial": "plans", "plan_overdue": "1"}, headers={"HX-Request": "true"}
    )
    assert "共同计划" not in none.content.decode()


@pytest.mark.parametrize("who", ["manager_b", "sales_a", "trainer"])
def test_others_get_404_or_403_for_team_a_plans(request, api_for, client_for, who, team_a, sub_team_a, team_b, courses):
    _setup(team_a, sub_team_a, team_b, courses)
    user = request.getfixturevalue(who)
    assert api_for(user).get(f"/api/v1/dashboards/teams/{team_a.id}/plans/").status_code in (403, 404)
    assert client_for(user).get(HOME, {"team": team_a.id, "partial": "plans"}).status_code == 404
    assert client_for(user).post(START, {"table": "plans", "team": team_a.id, "format": "csv"}).status_code == 404
    assert api_for(None).get(f"/api/v1/dashboards/teams/{team_a.id}/plans/").status_code in (401, 403)


def test_manager_b_sees_only_team_b_figures(api_for, manager_b, team_a, sub_team_a, team_b, courses):
    shared, only_b, _people = _setup(team_a, sub_team_a, team_b, courses)
    rows = api_for(manager_b).get(f"/api/v1/dashboards/teams/{team_b.id}/plans/", {"sort": "title"}).json()["results"]
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {shared.id, only_b.id}
    assert (by_id[shared.id]["participants"], by_id[shared.id]["completion_rate"], by_id[shared.id]["exam_avg"]) == (
        1,
        100.0,
        30.0,
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_plans_export_with_the_page_filters(client_for, manager_a, team_a, sub_team_a, team_b, courses, fmt):
    shared, only_b, _people = _setup(team_a, sub_team_a, team_b, courses)
    client = client_for(manager_a)
    response = client.post(START, {"table": "plans", "team": team_a.id, "format": fmt, "sort": "-participants"})
    assert response.status_code == 302
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    download = client.get(reverse("dashboards:export_download", args=[job_id]))
    raw = b"".join(download.streaming_content)
    if fmt == "csv":
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    else:
        rows = [list(r) for r in load_workbook(io.BytesIO(raw), read_only=True).active.iter_rows(values_only=True)]
    assert len(rows) == 2 and rows[1][0] == shared.title  # team_a takes no part in only_b
    assert [str(v) for v in rows[1][3:7]] == ["2", "2", "1", "25.0"]
    assert str(rows[1][-1]) == "90.0"
    filtered = client.post(START, {"table": "plans", "team": team_a.id, "format": "csv", "q": "不存在"})
    job_id = int(filtered["Location"].rstrip("/").rsplit("/", 1)[-1])
    raw = b"".join(client.get(reverse("dashboards:export_download", args=[job_id])).streaming_content)
    assert len(list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))) == 1  # the header only


def test_enrollment_and_exam_hooks_refresh_plan_figures(team_a, courses, sales_a, django_capture_on_commit_callbacks):
    plan, exam = _plan("钩子计划", courses[:2])
    Enrollment.objects.create(user=sales_a, plan=plan)
    with django_capture_on_commit_callbacks(execute=True):
        learning_services.enroll_users(user_ids=[sales_a.id], course=courses[0], due_date=None, enrolled_by=None)
    row = TeamPlanStats.objects.get(plan=plan, team=team_a)
    assert (row.participants, row.courses, row.expected) == (1, 2, 2)
    Attempt.objects.create(
        quiz=exam, user=sales_a, number=1, started_at=timezone.now(), status="graded", percent=75, passed=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.dashboards_record_attempt(user_id=sales_a.id, score=75, passed=True, plan_id=plan.id)
    row = TeamPlanStats.objects.get(plan=plan, team=team_a)
    assert (row.exam_takers, row.exam_passed, row.exam_avg) == (1, 1, 75)


def test_repair_fixes_plan_drift_and_drops_teams_that_left(team_a, team_b, courses, sales_a, sales_b):
    plan, _exam = _plan("修复计划", courses[:1])
    Enrollment.objects.create(user=sales_a, plan=plan)
    left = Enrollment.objects.create(user=sales_b, plan=plan)
    services.stats_repair()
    TeamPlanStats.objects.filter(plan=plan, team=team_a).update(participants=99, completed=7)
    left.unenrolled_at = timezone.now()
    left.save(update_fields=["unenrolled_at"])
    services.stats_repair()
    assert TeamPlanStats.objects.get(plan=plan, team=team_a).participants == 1
    assert not TeamPlanStats.objects.filter(plan=plan, team=team_b).exists()


def test_plan_refresh_is_set_based(team_a, sub_team_a, courses):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            services.stats_refresh_plans()
        return len(ctx.captured_queries)

    plan, _exam = _plan("规模计划", courses)
    people = [make_salesperson(team_a if i % 2 else sub_team_a) for i in range(3)]
    Enrollment.objects.bulk_create([Enrollment(user=p, plan=plan) for p in people])
    small = count()
    more = [make_salesperson(team_a) for _ in range(30)]
    Enrollment.objects.bulk_create([Enrollment(user=p, plan=plan) for p in more])
    Enrollment.objects.bulk_create([Enrollment(user=p, course=c) for p in more for c in courses])
    assert count() == small


def test_trainer_sees_and_exports_the_plans_they_own_over_every_participant(
    client_for, trainer, manager_a, sales_a, team_a, sub_team_a, team_b, courses
):
    from tests.factories import make_trainer

    shared, only_b, _people = _setup(team_a, sub_team_a, team_b, courses)
    shared.owners.add(trainer)
    page = client_for(trainer).get(reverse("dashboards:courses")).content.decode()
    table = page[page.index('data-testid="plans-table"') :]
    table = table[: table.index("</table>")]
    assert shared.title in table and only_b.title not in table
    assert "<td>3</td>" in table  # every participant, from both teams
    partial = client_for(trainer).get(
        reverse("dashboards:courses"), {"partial": "plans", "plan_q": "不存在"}, headers={"HX-Request": "true"}
    )
    assert shared.title not in partial.content.decode() and b"<html" not in partial.content
    response = client_for(trainer).post(START, {"table": "owned_plans", "format": "csv"})
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    raw = b"".join(client_for(trainer).get(reverse("dashboards:export_download", args=[job_id])).streaming_content)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [shared.title] and rows[1][3] == "3"
    other = make_trainer(username="trainer-other")
    assert shared.title not in client_for(other).get(reverse("dashboards:courses")).content.decode()
    # a manager (not a trainer) and a salesperson have no such table
    assert client_for(manager_a).post(START, {"table": "owned_plans", "format": "csv"}).status_code == 404
    assert client_for(sales_a).get(reverse("dashboards:courses")).status_code == 404


def test_forged_cursors_are_a_400(api_for, manager_a, team_a, sub_team_a, team_b, courses):
    import base64
    import json

    _setup(team_a, sub_team_a, team_b, courses)
    api = api_for(manager_a)
    for value in ([{"x": 1}, 1], ["abc", 1], [1.5, "x"], "nope"):
        cursor = base64.urlsafe_b64encode(json.dumps(value).encode()).decode()
        for path in ("plans", "people"):
            response = api.get(f"/api/v1/dashboards/teams/{team_a.id}/{path}/", {"cursor": cursor, "sort": "overdue"})
            assert response.status_code == 400, (value, path)
            assert list(response.json()["error"]["fields"]) == ["cursor"]


def test_plan_edits_refresh_its_figures_right_after_commit(
    team_a, courses, sales_a, trainer, django_capture_on_commit_callbacks
):
    """Linking, relinking and unlinking a course, changing the days and moving the exam rebuild the plan's figures
    at commit, without waiting for the repair job."""
    from assessments import services as assessment_services
    from courses import plan_services

    plan, exam = _plan("编辑计划", courses[:1])
    Enrollment.objects.create(user=sales_a, plan=plan)
    Enrollment.objects.create(user=sales_a, course=courses[1], status=Enrollment.Status.COMPLETED, progress=100)
    services.stats_repair()
    assert TeamPlanStats.objects.get(plan=plan, team=team_a).courses == 1

    def row():
        return TeamPlanStats.objects.get(plan=plan, team=team_a)

    with django_capture_on_commit_callbacks(execute=True):
        added = plan_services.session_create(
            plan=plan,
            user=trainer,
            day=3,
            start_time=SessionFactory.start_time,
            end_time=SessionFactory.end_time,
            title="新课",
            course=courses[1],
        )
    assert (row().courses, row().completed) == (2, 1)
    with django_capture_on_commit_callbacks(execute=True):
        plan_services.session_update(session=added, user=trainer, course=courses[2])
    assert (row().courses, row().completed) == (2, 0)
    with django_capture_on_commit_callbacks(execute=True):
        plan_services.session_delete(session=added, user=trainer)
    assert row().courses == 1
    # A session without a course changes nothing and queues nothing.
    with django_capture_on_commit_callbacks() as callbacks:
        plan_services.session_create(
            plan=plan,
            user=trainer,
            day=3,
            start_time=SessionFactory.start_time,
            end_time=SessionFactory.end_time,
            title="茶歇",
        )
    assert not [c for c in callbacks if "stats_refresh_plans" in repr(c.__code__.co_names)]

    # The exam (the quiz on the plan's last day, else on its latest day) moves between quizzes at each step.
    now = timezone.now()
    Attempt.objects.create(quiz=exam, user=sales_a, number=1, started_at=now, status="graded", percent=80, passed=True)
    services.stats_refresh_plans(plan_ids=[plan.id])
    assert row().exam_takers == 1
    with django_capture_on_commit_callbacks(execute=True):
        newer = assessment_services.quiz_create(
            owner=trainer, title="新终考", plan=plan, plan_day=6, status=Quiz.Status.DRAFT
        )
    assert plan_exam(plan=plan) == newer and row().exam_takers == 0
    newer.plan_day = 3
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.quiz_save(quiz=newer, owner=trainer, questions=[], rules=[])
    assert plan_exam(plan=plan) == exam and row().exam_takers == 1
    with django_capture_on_commit_callbacks(execute=True):
        plan_services.plan_update(plan=plan, user=trainer, days=3)
    assert plan_exam(plan=plan) == newer and row().exam_takers == 0

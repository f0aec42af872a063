"""The precomputed figures match a recomputation from raw rows; hooks and the periodic repair keep them."""

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards import services
from dashboards.models import PersonCategoryScore, PersonStats, TeamSnapshot, TeamStats
from dashboards.selectors import team_overview
from learning import services as learning_services
from learning.models import Certificate, Enrollment
from tests.dashboards.factories import STATES
from tests.factories import make_salesperson

pytestmark = pytest.mark.django_db


def _expected_person(user_id, today):
    rows = list(Enrollment.objects.filter(user_id=user_id, course__isnull=False, unenrolled_at__isnull=True))
    done = [e for e in rows if e.status == Enrollment.Status.COMPLETED]
    late = [
        e
        for e in rows
        if e.status != Enrollment.Status.COMPLETED
        and (e.status == Enrollment.Status.OVERDUE or (e.due_date and e.due_date < today))
    ]
    every = list(Certificate.objects.filter(user_id=user_id))
    # a certificate replaced by a newer one of the same course (a renewal's) no longer counts
    certs = [
        c
        for c in every
        if not any(o.course_id == c.course_id and (o.issued_at, o.id) > (c.issued_at, c.id) for o in every)
    ]
    return {
        "enrollments": len(rows),
        "completed": len(done),
        "overdue": len(late),
        "progress_sum": sum(e.progress for e in rows),
        "certs_valid": sum(1 for c in certs if c.expires_on is None or c.expires_on >= today),
        "certs_expiring": sum(1 for c in certs if c.expires_on and today <= c.expires_on <= today + timedelta(days=30)),
    }


enrollment_st = st.tuples(
    st.sampled_from(STATES), st.integers(0, 100), st.one_of(st.none(), st.integers(-10, 10)), st.booleans()
)
cert_st = st.one_of(st.none(), st.integers(-5, 60))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_figures_match_recomputation_from_raw_rows(data, team_a, sub_team_a, courses):
    """Each example runs in a savepoint that is rolled back, so one failing example cannot leak rows into the next."""
    with transaction.atomic():
        _check_one_example(data, team_a, sub_team_a, courses)
        transaction.set_rollback(True)


def _check_one_example(data, team_a, sub_team_a, courses):
    from django.utils import timezone

    Enrollment.objects.all().delete()
    people = [make_salesperson(team_a if i % 2 else sub_team_a) for i in range(3)]
    today = timezone.localdate()
    now = timezone.now()
    for person in people:
        for course in courses:
            if not data.draw(st.booleans()):
                continue
            status, progress, due, removed = data.draw(enrollment_st)
            e = Enrollment.objects.create(
                user=person,
                course=course,
                status=status,
                progress=progress,
                due_date=today + timedelta(days=due) if due is not None else None,
                unenrolled_at=now if removed else None,
            )
            expiry = data.draw(cert_st)
            if data.draw(st.booleans()):  # an older certificate of the course, kept as history by a renewal
                old_expiry = data.draw(cert_st)
                Certificate.objects.create(
                    user=person,
                    course=course,
                    code=f"O{e.id}",
                    holder_name="x",
                    course_title="x",
                    issued_at=now - timedelta(days=data.draw(st.integers(0, 400))),
                    expires_on=today + timedelta(days=old_expiry) if old_expiry is not None else None,
                )
            if status == Enrollment.Status.COMPLETED and data.draw(st.booleans()):
                Certificate.objects.create(
                    user=person,
                    course=course,
                    enrollment=e,
                    code=f"H{e.id}",
                    holder_name="x",
                    course_title="x",
                    issued_at=now,
                    expires_on=today + timedelta(days=expiry) if expiry is not None else None,
                )
    services.stats_repair()
    for person in people:
        stats = PersonStats.objects.get(user=person)
        expected = _expected_person(person.id, today)
        assert {k: getattr(stats, k) for k in expected} == expected
    for team in (team_a, sub_team_a):
        member_ids = [p.id for p in people if p.team.path.startswith(team.path)]
        ts = TeamStats.objects.get(team=team)
        assert ts.people == len(member_ids)
        for key in ("enrollments", "completed", "overdue", "progress_sum", "certs_valid", "certs_expiring"):
            assert getattr(ts, key) == sum(_expected_person(uid, today)[key] for uid in member_ids)


def test_repair_fixes_drift(filled_team_a):
    stats = PersonStats.objects.filter(team=filled_team_a).first()
    Enrollment.objects.filter(user_id=stats.user_id).update(status=Enrollment.Status.COMPLETED, progress=100)
    PersonStats.objects.filter(user_id=stats.user_id).update(completed=0)
    services.stats_repair()
    stats.refresh_from_db()
    active = Enrollment.objects.filter(user_id=stats.user_id, course__isnull=False, unenrolled_at__isnull=True)
    assert stats.completed == active.count()
    assert stats.overdue == 0


def test_enroll_service_refreshes_figures_after_commit(team_a, courses, sales_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        learning_services.enroll_users(user_ids=[sales_a.id], course=courses[0], due_date=None, enrolled_by=None)
    assert PersonStats.objects.get(user=sales_a).enrollments == 1
    assert TeamStats.objects.get(team=team_a).enrollments == 1
    # the region above team_a counts them too
    assert TeamStats.objects.get(team_id=int(team_a.path.strip("/").split("/")[0])).enrollments == 1


def test_overdue_sweep_repairs_figures(team_a, courses, sales_a, django_capture_on_commit_callbacks):
    from django.utils import timezone

    Enrollment.objects.create(user=sales_a, course=courses[0], due_date=timezone.localdate() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        learning_services.enrollments_mark_overdue()
    assert PersonStats.objects.get(user=sales_a).overdue == 1


def test_record_attempt_feeds_scores(team_a, sales_a, django_capture_on_commit_callbacks):
    from courses.models import Category, Competency

    cat = Category.objects.get(code="product")
    comp = Competency.objects.get(code="knowledge")
    with django_capture_on_commit_callbacks(execute=True):
        services.dashboards_record_attempt(
            user_id=sales_a.id, score=80, passed=True, category_scores={cat.id: 60}, competency_scores={comp.id: 90}
        )
        services.dashboards_record_attempt(user_id=sales_a.id, score=40, passed=False, category_scores={cat.id: 20})
    stats = PersonStats.objects.get(user=sales_a)
    assert (stats.attempts, stats.passed, stats.avg_score, stats.pass_rate) == (2, 1, 60, 50)
    assert PersonCategoryScore.objects.get(user=sales_a, category=cat).avg_score == 40
    assert PersonCategoryScore.objects.get(user=sales_a, competency=comp).avg_score == 90
    # the repair keeps quiz columns (they are not derived from enrollments)
    services.stats_repair()
    team = TeamStats.objects.get(team=team_a)
    assert (team.attempts, team.passed, team.score_sum) == (2, 1, 120)


def test_change_since_last_week_and_series(filled_team_a):
    from django.utils import timezone

    last_week = services.week_start(timezone.localdate()) - timedelta(weeks=1)
    services.stats_snapshot_week(week=last_week)
    TeamSnapshot.objects.filter(team=filled_team_a, week=last_week).update(completed=0, overdue=0)
    services.stats_snapshot_week()
    team = type(filled_team_a).objects.select_related("stats").get(id=filled_team_a.id)
    overview = team_overview(team=team)
    by_key = {h["key"]: h for h in overview["headline"]}
    assert by_key["overdue"]["change"] == team.stats.overdue
    assert by_key["avg_score"]["value"] is None
    assert [s["week"] for s in overview["series"]] == [
        last_week.isoformat(),
        services.week_start(timezone.localdate()).isoformat(),
    ]


def test_snapshot_is_idempotent(filled_team_a):
    services.stats_snapshot_week()
    services.stats_snapshot_week()
    assert TeamSnapshot.objects.filter(team=filled_team_a).count() == 1


def test_refresh_is_set_based(team_a, sub_team_a, courses):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.dashboards.factories import add_people

    few = add_people(team_a, 5, courses=courses, seed=5)
    many = add_people(sub_team_a, 300, courses=courses, seed=6)
    counts = []
    for ids in (few, many):
        with CaptureQueriesContext(connection) as ctx:
            services.stats_refresh_people(user_ids=ids)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert PersonStats.objects.filter(user_id__in=few + many).count() == 305

"""Builders for the dashboard and export benches, PostgreSQL only: every large table is filled by one
`INSERT ... SELECT ... FROM generate_series(...)` run inside the database (no rows cross the wire), which is faster
than COPY from Python. Pseudo-random values come from `random()` after `setseed`, so runs are comparable.

- `build_org(n_people, n_courses)`: one region, 10 departments x 10 teams (101 teams), a manager of the region,
  `n_people` salespeople spread over the 100 teams, `n_courses` published courses (each in one of the six
  categories) with one final quiz each, and every person enrolled in every course.
- `add_attempts(n_attempts)`: graded quiz attempts spread evenly over people x quizzes.
- `add_plans(n_plans, courses_per_plan)`: published training plans whose sessions link courses of the dataset, each
  with a final-day exam; every person takes part in one plan and has one graded exam attempt.
- `add_plan_rows(team, n_plans)`: plans with a precomputed TeamPlanStats row for `team` only (the export bench).
- `precompute()`: the dashboard's figures: the stats repair (people, teams, courses, weekly snapshot), then the
  quiz columns of PersonStats and PersonCategoryScore from the attempts, as the assessments hook would have
  accumulated them, and the teams again.
"""

from django.db import connection
from django.utils import timezone


def _defaults(model, given: dict) -> dict:
    """SQL for every NOT NULL column the caller did not give, from the model's default."""
    exprs = {}
    for f in model._meta.concrete_fields:
        if f.column in given or f.null or f.primary_key:
            continue
        if not f.has_default():
            exprs[f.column] = "''"
            continue
        default = f.default
        if callable(default):
            exprs[f.column] = "now()"
        elif isinstance(default, bool):
            exprs[f.column] = "true" if default else "false"
        elif isinstance(default, int | float):
            exprs[f.column] = str(default)
        else:
            exprs[f.column] = "'" + str(default).replace("'", "''") + "'"
    return exprs


def insert_select(model, exprs: dict, source: str) -> int:
    """INSERT INTO model's table (columns) SELECT exprs FROM source; missing NOT NULL columns get defaults."""
    cols = {**_defaults(model, exprs), **exprs}
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(cols.values())} FROM {source}"  # noqa: S608
    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.rowcount


def build_org(n_people: int, n_courses: int, *, enroll: bool = True):
    from django.contrib.auth.models import Group

    from assessments.models import Quiz
    from courses.models import Category, Course
    from learning.models import Enrollment
    from trainees.models import User
    from trainees.services import team_create

    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")
    region = team_create(name="基准大区", parent=None, kind="region")
    teams = []
    for d in range(10):
        dept = team_create(name=f"部门{d}", parent=region, kind="department")
        teams += [team_create(name=f"团队{d}-{t}", parent=dept, kind="team") for t in range(10)]
    manager = User.objects.create_user("bench-manager", password="x", display_name="基准经理", team=region)
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    region.managers.add(manager)
    categories = list(Category.objects.order_by("id"))
    courses = Course.objects.bulk_create(
        [
            Course(title=f"基准课程{i}", status=Course.Status.PUBLISHED, category=categories[i % len(categories)])
            for i in range(n_courses)
        ]
    )
    Quiz.objects.bulk_create(
        [Quiz(title=f"结业测验{c.id}", course=c, is_final=True, status="published") for c in courses]
    )
    team_ids = ",".join(str(t.id) for t in teams)
    insert_select(
        User,
        {
            "username": "'b' || g",
            "password": "'!'",
            "employee_no": "'B' || lpad(g::text, 7, '0')",
            "display_name": "'员工' || g",
            "team_id": f"(ARRAY[{team_ids}])[1 + g % {len(teams)}]",
            "is_active": "true",
        },
        f"generate_series(1, {n_people}) g",
    )
    salesperson = Group.objects.get_or_create(name="salesperson")[0]
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {User.groups.through._meta.db_table} (user_id, group_id) "  # noqa: S608
            f"SELECT id, {salesperson.id} FROM trainees_user WHERE username ~ '^b[0-9]+$'"
        )
    if enroll:
        today = timezone.localdate().isoformat()
        insert_select(
            Enrollment,
            {
                "user_id": "u.id",
                "course_id": "c.id",
                "status": "(ARRAY['not_started','in_progress','completed','overdue'])[1 + floor(random() * 4)::int]",
                "progress": "floor(random() * 100)::int",
                "due_date": f"CASE WHEN random() < 0.5 THEN DATE '{today}' + (floor(random() * 90)::int - 30) END",
                "created_at": "now() - interval '60 days'",
                "last_activity_at": "now() - random() * interval '30 days'",
            },
            "(SELECT id FROM trainees_user WHERE username ~ '^b[0-9]+$') u CROSS JOIN "  # noqa: S608
            f"(SELECT id FROM courses_course WHERE id IN ({','.join(str(c.id) for c in courses)})) c",
        )
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE learning_enrollment SET progress = 100, completed_at = last_activity_at "
                "WHERE status = 'completed'"
            )
    return region, teams[0], manager


def add_attempts(n_attempts: int) -> int:
    """`n_attempts` graded attempts: every person gets the same number on every final quiz (numbered 1..k)."""
    from assessments.models import Attempt

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM trainees_user WHERE username ~ '^b[0-9]+$'")
        people = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM assessments_quiz WHERE title LIKE '结业测验%%'")
        quizzes = cur.fetchone()[0]
    per = max(1, n_attempts // max(1, people * quizzes))
    return insert_select(
        Attempt,
        {
            "quiz_id": "q.id",
            "user_id": "u.id",
            "number": "n",
            "status": "'graded'",
            "started_at": "now() - interval '20 days'",
            "submitted_at": "now() - interval '19 days'",
            "graded_at": "now() - interval '19 days'",
            "score": "s",
            "max_score": "100",
            "percent": "s",
            "passed": "s >= 60",
        },
        "(SELECT id FROM trainees_user WHERE username ~ '^b[0-9]+$') u "  # noqa: S608
        "CROSS JOIN (SELECT id FROM assessments_quiz WHERE title LIKE '结业测验%%') q "
        f"CROSS JOIN generate_series(1, {per}) n "
        "CROSS JOIN LATERAL (SELECT round((20 + random() * 80)::numeric + 0 * u.id, 2) AS s) r",
    )


def add_plans(n_plans: int = 10, courses_per_plan: int = 5) -> int:
    """See the module's docstring. Returns the number of plan enrollments."""
    import datetime as dt

    from assessments.models import Attempt, Quiz
    from courses.models import Course, TrainingPlan
    from courses.models.plans import Session
    from learning.models import Enrollment

    course_ids = list(Course.objects.filter(title__startswith="基准课程").order_by("id").values_list("id", flat=True))
    plans = TrainingPlan.objects.bulk_create(
        [TrainingPlan(title=f"基准计划{i}", status=TrainingPlan.Status.PUBLISHED, days=6) for i in range(n_plans)]
    )
    Session.objects.bulk_create(
        [
            Session(
                plan=p,
                day=d + 1,
                start_time=dt.time(9),
                end_time=dt.time(12),
                course_id=course_ids[(i * courses_per_plan + d) % len(course_ids)],
            )
            for i, p in enumerate(plans)
            for d in range(courses_per_plan)
        ]
    )
    exams = Quiz.objects.bulk_create(
        [Quiz(title=f"计划考试{p.id}", plan=p, plan_day=p.days, status="published") for p in plans]
    )
    plan_ids = ",".join(str(p.id) for p in plans)
    exam_ids = ",".join(str(q.id) for q in exams)
    n = insert_select(
        Enrollment,
        {
            "user_id": "u.id",
            "plan_id": f"(ARRAY[{plan_ids}])[1 + u.id % {n_plans}]",
            "status": "'in_progress'",
            "created_at": "now() - interval '10 days'",
        },
        "trainees_user u WHERE u.username ~ '^b[0-9]+$'",
    )
    insert_select(
        Attempt,
        {
            "quiz_id": f"(ARRAY[{exam_ids}])[1 + u.id % {n_plans}]",
            "user_id": "u.id",
            "number": "1",
            "status": "'graded'",
            "started_at": "now() - interval '2 days'",
            "submitted_at": "now() - interval '2 days'",
            "graded_at": "now() - interval '2 days'",
            "score": "s",
            "max_score": "100",
            "percent": "s",
            "passed": "s >= 60",
        },
        "trainees_user u CROSS JOIN LATERAL (SELECT round((30 + random() * 70)::numeric + 0 * u.id, 2) AS s) r "
        "WHERE u.username ~ '^b[0-9]+$'",
    )
    return n


def add_plan_rows(team, n_plans: int) -> int:
    """See the module's docstring. Returns the number of rows."""
    from courses.models import TrainingPlan
    from dashboards.models import TeamPlanStats

    insert_select(
        TrainingPlan,
        {
            "title": "'导出计划' || g",
            "status": "'published'",
            "start_date": "CURRENT_DATE - (g % 365)",
            "created_at": "now()",
            "updated_at": "now()",
        },
        f"generate_series(1, {n_plans}) g",
    )
    return insert_select(
        TeamPlanStats,
        {
            "plan_id": "p.id",
            "team_id": str(team.id),
            "participants": "1 + floor(random() * 500)::int",
            "courses": "5",
            "expected": "2500",
            "completed": "floor(random() * 2500)::int",
            "overdue": "floor(random() * 100)::int",
            "progress_sum": "floor(random() * 250000)::int",
            "completion": "round((random() * 100)::numeric, 1)",
            "exam_takers": "floor(random() * 500)::int",
            "exam_passed": "floor(random() * 100)::int",
            "exam_score_sum": "random() * 40000",
            "refreshed_at": "now()",
        },
        "courses_trainingplan p WHERE p.title LIKE '导出计划%%'",
    )


def precompute() -> dict:
    """The dashboard's figures for the whole dataset (see the module's docstring). Returns seconds per step."""
    import time

    from dashboards import services
    from dashboards.models import PersonCategoryScore, PersonStats

    t0 = time.perf_counter()
    services.stats_repair()
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {PersonStats._meta.db_table} p SET attempts = a.n, passed = a.ok, score_sum = a.s, "  # noqa: S608
            "avg_score = a.s / a.n FROM (SELECT user_id, count(*) n, count(*) FILTER (WHERE passed) ok, "
            "sum(percent)::float s FROM assessments_attempt WHERE status = 'graded' GROUP BY user_id) a "
            "WHERE p.user_id = a.user_id"
        )
        cur.execute(
            f"INSERT INTO {PersonCategoryScore._meta.db_table} (user_id, category_id, attempts, score_sum) "  # noqa: S608
            "SELECT a.user_id, c.category_id, count(*), sum(a.percent)::float FROM assessments_attempt a "
            "JOIN assessments_quiz q ON q.id = a.quiz_id JOIN courses_course c ON c.id = q.course_id "
            "WHERE a.status = 'graded' AND c.category_id IS NOT NULL GROUP BY a.user_id, c.category_id"
        )
    t2 = time.perf_counter()
    services.stats_refresh_teams(team_ids=None)
    services.stats_snapshot_week()
    t3 = time.perf_counter()
    services.stats_refresh_plans()
    t4 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"repair": t1 - t0, "quiz": t2 - t1, "teams": t3 - t2, "plans": t4 - t3}

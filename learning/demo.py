"""Demo learning for `seed_demo` (after the people, courses and plans exist): the demo teams enrolled in courses
with a mix of progress, team A in the demo plan and the other teams in the plans it takes part in, and a few
enrollments overdue. Idempotent: enrolling skips who is enrolled."""

import datetime as dt

from django.utils import timezone

from courses.course_demo import demo_courses
from courses.models import Course, ModuleItem, TrainingPlan
from courses.plan_demo import demo_plan, demo_team_a
from learning import services
from learning.models import Enrollment, LessonProgress
from lms.roles import SALESPERSON
from trainees.models import Team, User


def seed_enrollments(courses: list[Course]) -> None:
    """Teams enrolled with a mix of completed, in progress, not started and overdue; certificates follow."""
    trainer = User.objects.filter(username="trainer").first()
    sales = list(User.objects.filter(username__startswith="sales").order_by("username"))
    if not sales or not courses:
        return
    today = timezone.localdate()
    plan = [
        (courses[0], today + dt.timedelta(days=14)),
        (courses[2], today + dt.timedelta(days=30)),
        (courses[5], today - dt.timedelta(days=3)),
        (courses[6], None),
    ]
    for course, due in plan:
        services.enroll_users(user_ids=[u.id for u in sales], course=course, due_date=due, enrolled_by=trainer)
    # Progress: the first third finish course 0, the next third are half way, the rest have not started.
    now = timezone.now()
    for n, user in enumerate(sales):
        for course, share in (
            (courses[0], 1.0 if n % 3 == 0 else 0.5 if n % 3 == 1 else 0),
            (courses[5], 1.0 if n % 4 == 0 else 0),
        ):
            items = list(ModuleItem.objects.filter(course=course).order_by("module__order", "order"))
            for item in items[: round(len(items) * share)]:
                LessonProgress.objects.get_or_create(
                    user=user, lesson=item.lesson, defaults={"completed_at": now - dt.timedelta(days=n % 7)}
                )
    for course, _due in plan:
        services.course_progress_refresh(course_id=course.id)


def seed_plan_participants() -> None:
    """Team A takes part in the demo plan: enrolled in the plan and in the courses its sessions link."""
    plan, team_a = demo_plan(), demo_team_a()
    trainer = User.objects.filter(username="trainer").first()
    if plan is None or team_a is None:
        return
    member_ids = User.objects.filter(team=team_a, groups__name=SALESPERSON).values_list("id", flat=True)
    services.enroll_users(user_ids=list(member_ids), plan=plan, due_date=plan.end_date, enrolled_by=trainer)


def seed_overdue() -> None:
    """A few open enrollments past due, so every demo dashboard shows overdue people."""
    today = timezone.localdate()
    open_ids = list(
        Enrollment.objects.filter(course__isnull=False, unenrolled_at__isnull=True)
        .exclude(status=Enrollment.Status.COMPLETED)
        .order_by("id")
        .values_list("id", flat=True)[::5]
    )
    Enrollment.objects.filter(id__in=open_ids, due_date__isnull=True).update(due_date=today - dt.timedelta(days=3))


def seed_other_teams_in_plans() -> int:
    """The teams of manager_b and manager_c take part in the demo plans team A takes part in (published, not
    templates), so every demo manager's plan table has rows: the teams are added to the plan and their salespeople
    enrolled in it and its linked courses (idempotent: enroll_users skips who is enrolled). Returns the plans."""
    teams = list(Team.objects.filter(managers__username__in=["manager_b", "manager_c"]).distinct().order_by("id"))
    plans = list(
        TrainingPlan.objects.filter(
            is_template=False, status=TrainingPlan.Status.PUBLISHED, enrollments__isnull=False
        ).distinct()
    )
    people = list(
        User.objects.filter(team__in=teams, groups__name=SALESPERSON, is_active=True).values_list("id", flat=True)
    )
    for plan in plans:
        plan.teams.add(*teams)
        if people:
            services.enroll_users(user_ids=people, plan=plan, due_date=plan.end_date)
    return len(plans)


def seed(*, stdout=None) -> None:
    seed_enrollments(demo_courses())
    seed_plan_participants()
    seed_overdue()  # so every demo dashboard shows overdue people
    seed_other_teams_in_plans()  # so every demo manager's plan table has rows
    if stdout is not None:
        stdout.write("learning: enrollments for the demo teams, team A in the demo plan")

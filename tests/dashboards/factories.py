"""Fast builders for dashboard tests: people, enrollments and certificates in bulk (set-based, like the bench)."""

import random
from datetime import timedelta

from django.utils import timezone

from learning.models import Certificate, Enrollment
from lms.roles import SALESPERSON
from trainees.models import User

STATES = [
    Enrollment.Status.NOT_STARTED,
    Enrollment.Status.IN_PROGRESS,
    Enrollment.Status.COMPLETED,
    Enrollment.Status.OVERDUE,
]


def add_people(team, n: int, *, courses=(), seed: int = 0, prefix: str | None = None) -> list[int]:
    """n salespeople in `team`, each enrolled in every course with a pseudo-random state; completed ones
    get a certificate, some expiring soon. Returns the new ids. A fixed number of queries whatever n."""
    from django.contrib.auth.models import Group

    rng = random.Random(seed)
    prefix = prefix or f"t{team.id}s{seed}"
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}-{i}", display_name=f"{prefix}-{i}", employee_no=f"{prefix}-{i}", team=team)
            for i in range(n)
        ],
        batch_size=2000,
    )
    ids = list(User.objects.filter(username__startswith=f"{prefix}-").values_list("id", flat=True))
    group, _ = Group.objects.get_or_create(name=SALESPERSON)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=uid, group_id=group.id) for uid in ids], batch_size=2000
    )
    today = timezone.localdate()
    now = timezone.now()
    enrollments = []
    for uid in ids:
        for course in courses:
            status = rng.choice(STATES)
            due = today + timedelta(days=rng.randint(-20, 20)) if rng.random() < 0.6 else None
            enrollments.append(
                Enrollment(
                    user_id=uid,
                    course=course,
                    status=status,
                    progress=100 if status == Enrollment.Status.COMPLETED else rng.randint(0, 99),
                    due_date=due,
                    completed_at=now if status == Enrollment.Status.COMPLETED else None,
                    last_activity_at=now - timedelta(hours=rng.randint(0, 500)),
                    unenrolled_at=now if rng.random() < 0.1 else None,
                )
            )
    Enrollment.objects.bulk_create(enrollments, batch_size=2000)
    done = Enrollment.objects.filter(user_id__in=ids, status=Enrollment.Status.COMPLETED).values_list(
        "id", "user_id", "course_id"
    )
    Certificate.objects.bulk_create(
        [
            Certificate(
                user_id=uid,
                course_id=cid,
                enrollment_id=eid,
                code=f"C{eid:010d}",
                holder_name="x",
                course_title="x",
                issued_at=now,
                expires_on=rng.choice(
                    [None, today + timedelta(days=10), today + timedelta(days=90), today - timedelta(days=1)]
                ),
            )
            for eid, uid, cid in done
        ],
        batch_size=2000,
    )
    return users and ids

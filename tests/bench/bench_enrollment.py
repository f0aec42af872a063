"""Benchmark: enroll 10,000 people in one course (set-based bulk insert). Prints the time; target < 20 s.

    DATABASE_URL=postgres://... .venv/bin/python tests/bench/bench_enrollment.py [N]

Runs against a throw-away test database (created and dropped here), never the configured one.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import get_runner, setup_test_environment

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        from courses.models import Course
        from learning import services as learning_services
        from learning.models import Enrollment
        from trainees.models import User

        course = Course.objects.create(title="基准课程", status=Course.Status.PUBLISHED)
        t0 = time.perf_counter()
        User.objects.bulk_create(
            [User(username=f"bench{i}", employee_no=f"B{i:06d}", display_name=f"员工{i}") for i in range(n)],
            batch_size=2000,
        )
        ids = list(User.objects.filter(username__startswith="bench").values_list("id", flat=True))
        t1 = time.perf_counter()
        if os.environ.get("PROFILE"):
            import cProfile
            import pstats

            with cProfile.Profile() as prof:
                result = learning_services.enroll_users(user_ids=ids, course=course)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        else:
            result = learning_services.enroll_users(user_ids=ids, course=course)
        t2 = time.perf_counter()
        again = learning_services.enroll_users(user_ids=ids, course=course)
        t3 = time.perf_counter()
        # The same through the Celery task with a Job (run in process here), as a large page or API request does.
        from learning.tasks import enroll_bulk
        from lms.jobs import job_create

        owner = User.objects.create(username="bench-trainer")
        second = Course.objects.create(title="基准课程二", status=Course.Status.PUBLISHED)
        job = job_create(kind="enrollment", owner=owner, total=len(ids))
        t4 = time.perf_counter()
        enroll_bulk(
            job_id=job.id, user_ids=ids, course_id=second.id, plan_id=None, due_date=None, enrolled_by_id=owner.id
        )
        t5 = time.perf_counter()
        job.refresh_from_db()
        assert Enrollment.objects.filter(course=course).count() == n
        print(f"database: {connection.vendor}")
        print(f"created {n} people in {t1 - t0:.2f} s (setup, not measured)")
        print(f"enrolled {result.created} people in {t2 - t1:.2f} s (target < 20 s)")
        print(f"re-enrolled the same {n} (all already enrolled: {again.already}) in {t3 - t2:.2f} s")
        print(
            f"through the Celery task with a Job: {job.result.get('created')} enrolled in {t5 - t4:.2f} s, job {job.status}"
        )
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()

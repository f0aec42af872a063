"""Bench: the plan builder, list and exports with 50 plans x 6 days x 6 sessions. Prints figures; never fails.

.venv/bin/python tests/bench/plans_builder.py   (uses DATABASE_URL when set, else SQLite in a temp test DB)
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, setup_test_environment, teardown_databases  # noqa: E402


def main() -> None:
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        import datetime as dt

        from courses import plan_exports
        from tests.courses.plan_factories import PlanFactory, fill_plan
        from tests.factories import make_trainer

        trainer = make_trainer(username="bench_trainer")
        plans = []
        for i in range(50):
            plan = PlanFactory(owners=[trainer], start_date=dt.date(2026, 1, 5) + dt.timedelta(days=7 * i))
            fill_plan(plan, per_day=6, trainer=trainer)
            plans.append(plan)
        client = Client()
        client.force_login(trainer)
        target = plans[25]
        for label, url in (
            ("plan list", "/plans/"),
            ("builder", f"/plans/{target.pk}/edit/"),
            ("plan page", f"/plans/{target.pk}/"),
            ("calendar.ics", f"/plans/{target.pk}/calendar.ics"),
            ("plan.docx", f"/plans/{target.pk}/plan.docx"),
            ("API sessions", f"/api/v1/plans/{target.pk}/sessions/"),
        ):
            client.get(url)  # warm up
            runs = []
            for _ in range(5):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    runs.append(time.perf_counter() - start)
            print(
                f"{label:14s} status={response.status_code} queries={len(queries)} "
                f"median={sorted(runs)[2] * 1000:.1f} ms bytes={len(response.content)}"
            )
        start = time.perf_counter()
        plan_exports.plan_ical(plan=target)
        print(f"plan_ical()     {(time.perf_counter() - start) * 1000:.1f} ms for 36 sessions")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()

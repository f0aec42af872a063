"""Demo data for the courses app, called by `seed_demo`. Each part is idempotent."""

from courses import course_demo, plan_demo


def seed(*, stdout=None) -> None:
    course_demo.seed(stdout=stdout)
    plan_demo.seed(stdout=stdout)

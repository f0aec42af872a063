"""Demo data for the courses app, called by `seed_demo`. Each part is idempotent."""

from courses import plan_demo


def seed(*, stdout=None) -> None:
    plan_demo.seed(stdout=stdout)

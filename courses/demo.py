"""Demo data of the courses app for `seed_demo`: each part seeds itself (idempotent)."""

from courses import course_demo


def seed(*, stdout=None) -> None:
    course_demo.seed(stdout=stdout)

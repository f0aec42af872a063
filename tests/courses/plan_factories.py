"""Factories and fixtures for the training plan tests (kept apart from the course content tests' files)."""

import datetime as dt

import factory
import pytest
from factory.django import DjangoModelFactory

from courses.models import Category, Competency, Method, Objective, Session, TrainingPlan

START = dt.date(2026, 3, 2)  # a Monday


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = TrainingPlan
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"培训计划{n}")
    start_date = START
    days = 6

    @factory.post_generation
    def owners(self, create, extracted, **kwargs):
        if create and extracted:
            self.owners.set(extracted)

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    plan = factory.SubFactory(PlanFactory)
    day = 1
    start_time = dt.time(9, 0)
    end_time = dt.time(10, 30)
    title = factory.Sequence(lambda n: f"课程{n}")


def t(value: str) -> dt.time:
    hour, minute = value.split(":")
    return dt.time(int(hour), int(minute))


SLOTS = [
    ("08:00", "09:00"),
    ("09:00", "10:00"),
    ("10:00", "11:00"),
    ("13:00", "14:00"),
    ("14:00", "15:00"),
    ("15:00", "16:00"),
]


def fill_plan(plan: TrainingPlan, *, per_day: int = 6, trainer=None) -> list[Session]:
    """Every day of `plan` gets `per_day` one-hour sessions with rotating categories, competencies and methods."""
    categories = list(Category.objects.all())
    competencies = list(Competency.objects.all())
    methods = list(Method.objects.all())
    rows = []
    for day in range(1, plan.days + 1):
        for i in range(per_day):
            start, end = SLOTS[i % len(SLOTS)]
            rows.append(
                Session(
                    plan=plan,
                    day=day,
                    start_time=t(start),
                    end_time=t(end),
                    title=f"第{day}天第{i + 1}节",
                    category=categories[(day + i) % len(categories)],
                    competency=competencies[i % len(competencies)],
                    method=methods[i % len(methods)],
                    trainer=trainer,
                    room=f"教室{i}",
                )
            )
    Session.objects.bulk_create(rows)
    Objective.objects.bulk_create(
        Objective(plan=plan, kind=kind, text=f"目标 {kind}", order=i) for i, kind in enumerate(Objective.Kind.values)
    )
    return rows


@pytest.fixture
def plan(trainer, team_a):
    plan = PlanFactory(owners=[trainer], teams=[team_a])
    return plan


@pytest.fixture
def other_trainer(db):
    from tests.factories import make_trainer

    return make_trainer(username="trainer_other", display_name="吴老师")


__all__ = ["START", "PlanFactory", "SessionFactory", "fill_plan", "other_trainer", "plan", "t"]

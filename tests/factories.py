"""Shared factories. App-specific ones live in tests/<app>/factories.py."""

import factory
from factory.django import DjangoModelFactory

from lms.roles import MANAGER, SALESPERSON, TRAINER
from trainees import services
from trainees.models import Team, User

PASSWORD = "pass-1234"


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"团队{n}")
    kind = Team.Kind.TEAM

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.team_create(name=kwargs["name"], parent=kwargs.get("parent"), kind=kwargs.get("kind", "team"))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            services.user_set_roles(user=self, roles=set(extracted))


def make_salesperson(team: Team | None = None, **kwargs) -> User:
    return UserFactory(team=team, roles=[SALESPERSON], **kwargs)


def make_manager(*teams: Team, **kwargs) -> User:
    user = UserFactory(team=teams[0] if teams else None, roles=[MANAGER], **kwargs)
    for team in teams:
        team.managers.add(user)
    return user


def make_trainer(**kwargs) -> User:
    return UserFactory(roles=[TRAINER], **kwargs)

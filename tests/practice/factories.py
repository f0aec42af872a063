import copy

import factory

from practice.models import PracticeSession, Scenario, Turn
from practice.scenario_library import TOO_EXPENSIVE
from tests.factories import UserFactory

SPEC = copy.deepcopy(TOO_EXPENSIVE["spec"])


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scenario

    code = factory.Sequence(lambda n: f"scenario-{n}")
    title = factory.Sequence(lambda n: f"场景 {n}")
    persona_role = "采购经理"
    situation = "客户觉得价格太贵"
    goal = "讲清价值"
    status = Scenario.Status.PUBLISHED
    spec = factory.LazyFunction(lambda: copy.deepcopy(SPEC))


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeSession

    user = factory.SubFactory(UserFactory)
    scenario = factory.SubFactory(ScenarioFactory)
    current_node = "open"


class TurnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Turn

    session = factory.SubFactory(SessionFactory)
    index = factory.Sequence(lambda n: n)
    speaker = Turn.Speaker.TRAINEE
    text = "您好"

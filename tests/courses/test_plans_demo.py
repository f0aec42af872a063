import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses import plan_selectors
from courses.models import Session, TrainingPlan
from trainees.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_ships_three_templates_and_a_plan_in_progress():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (TrainingPlan.objects.count(), Session.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (TrainingPlan.objects.count(), Session.objects.count()) == counts

    templates = TrainingPlan.objects.filter(is_template=True)
    assert templates.count() == 3
    for template in templates:
        cov = plan_selectors.plan_coverage(plan=template)
        assert all(r.covered for r in cov.objective_kinds)
        assert sum(r.covered for r in cov.categories) >= 5
        assert template.sessions.filter(day__gt=template.days).count() == 0
    hotel = templates.get(title__contains="酒店")
    for stage in ("店内了解", "宴会销售", "市内拜访", "异地拜访"):
        assert hotel.sessions.filter(title__contains=stage).exists(), stage

    plan = TrainingPlan.objects.get(is_template=False)
    today = timezone.localdate()
    assert plan.status == "published" and plan.start_date <= today <= plan.end_date
    assert plan.teams.filter(name="一组").exists()
    manager_a = User.objects.get(username="manager_a")
    assert plan_selectors.plans_for_user(user=manager_a).filter(pk=plan.pk).exists()
    trainer = User.objects.get(username="trainer")
    assert set(plan_selectors.plans_for_user(user=trainer)) == {plan, *templates}


def test_demo_plan_moves_with_today(monkeypatch):
    call_command("seed_demo", stdout=io.StringIO())
    later = timezone.localdate() + dt.timedelta(days=40)
    monkeypatch.setattr(timezone, "localdate", lambda: later)
    call_command("seed_demo", stdout=io.StringIO())
    plan = TrainingPlan.objects.get(is_template=False)
    assert plan.start_date <= later <= plan.end_date

"""`seed_demo` leaves the demo trainer a dashboard with figures, charts and several weeks of history; a second run
adds no attempts."""

import io

import pytest
from django.core.management import call_command

from assessments.models import Attempt
from dashboards import selectors
from trainees.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_gives_the_demo_trainer_figures_charts_and_history():
    call_command("seed_demo", stdout=io.StringIO())
    attempts = Attempt.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Attempt.objects.count() == attempts
    trainer = User.objects.get(username="trainer")
    stats = selectors.owner_stats_get(user=trainer)
    overview = selectors.owner_overview(user=trainer, stats=stats)
    figures = overview["figures"]
    assert figures.people > 0 and figures.active > 0 and figures.attempts >= 20 and figures.certs_valid >= 0
    assert len(overview["series"]) >= 6
    assert all(h["change"] is not None for h in overview["headline"] if h["value"] is not None)
    charts = selectors.stats_charts(stats=stats)
    assert sum(b["people"] for b in charts["score_distribution"]) == figures.attempts
    for axis in ("category", "competency"):
        assert sum(1 for a in charts["mastery"][axis] if a["n"]) >= 2, axis

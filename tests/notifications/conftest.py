import datetime as dt
import os
import zoneinfo

import pytest

from notifications import rules

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL (DATABASE_URL)"
)
needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


def local(y, m, d, hh=10, mm=0, ss=0) -> dt.datetime:
    """A moment in Asia/Shanghai."""
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


@pytest.fixture
def day_time():
    """Tuesday 2026-11-24 10:00 in Shanghai: outside quiet hours."""
    return local(2026, 11, 24, 10)


@pytest.fixture
def isolated_rules():
    """An empty rule registry for the test; the real one comes back afterwards."""
    saved = dict(rules.RULES)
    rules.RULES.clear()
    yield rules.RULES
    rules.RULES.clear()
    rules.RULES.update(saved)

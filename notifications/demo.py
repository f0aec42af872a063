"""Demo notifications for `seed_demo` (the last app it seeds). Idempotent: the outbox keys absorb reruns."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import Spec, notify_many
from trainees.models import User


@transaction.atomic
def seed(*, stdout=None) -> None:
    today = timezone.localdate()
    people = list(User.objects.filter(is_active=True).values_list("id", "username"))
    url = reverse("notifications:preferences")
    specs = [Spec(recipient_id=uid, kind="welcome", subject=f"user:{uid}", url=url) for uid, _name in people]
    # A taste of the reminders the learning rules will send, for the first salespeople.
    samples = [
        ("due_soon", {"title": "销售普适系列：顾问式销售", "days": 3, "due_date": str(today + dt.timedelta(days=3))}),
        ("overdue", {"title": "产品知识：线缆产品线", "due_date": str(today - dt.timedelta(days=1))}),
        (
            "session_tomorrow",
            {
                "title": "角色扮演：客户异议处理",
                "date": str(today + dt.timedelta(days=1)),
                "start": "09:00",
                "end": "11:30",
                "room": "3楼培训室",
                "bring": "笔记本、产品手册",
            },
        ),
    ]
    for uid, username in people:
        if username in ("sales01", "sales02"):
            specs += [Spec(recipient_id=uid, kind=k, subject=f"demo:{k}", context=c) for k, c in samples]
    notify_many(specs=specs)
    if stdout is not None:
        stdout.write(f"notifications: {len(specs)} demo notifications planned (already present ones are kept)")

"""Demo people and teams for `seed_demo`. Idempotent: a second run changes no counts."""

import datetime as dt

from django.conf import settings
from django.db import transaction

from lms.roles import MANAGER, SALESPERSON, TRAINER
from trainees import services
from trainees.models import User

DEMO_PASSWORD = "demo-2026"  # noqa: S105 - documented demo password, DEBUG only

TEAMS = {
    "A": "华东区/上海销售部/一组",
    "B": "华东区/上海销售部/二组",
    "C": "华南区/广州销售部/一组",
}
MANAGERS = [
    ("manager_a", "M001", "王建国", "A", "销售经理"),
    ("manager_b", "M002", "李秀英", "B", "销售经理"),
    ("manager_c", "M003", "陈志强", "C", "区域经理"),
]
TRAINERS = [
    ("trainer", "T001", "周敏", "培训负责人"),
    ("trainer2", "T002", "吴海涛", "培训师"),
]
SURNAMES = "张王李赵刘陈杨黄吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀兰",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
]


def salesperson_rows() -> list[tuple[str, str, str, str]]:
    rows = []
    teams = list(TEAMS)
    for i in range(40):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
        rows.append((f"sales{i + 1:02d}", f"S{i + 1:03d}", name, teams[i % len(teams)]))
    return rows


def _user(username: str, employee_no: str, name: str, team, title: str, roles: set[str], hired: dt.date) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "employee_no": employee_no,
            "display_name": name,
            "email": f"{username}@example.com",
            "team": team,
            "job_title": title,
            "hire_date": hired,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    services.user_set_roles(user=user, roles=roles)
    return user


@transaction.atomic
def seed(*, stdout=None) -> None:
    cache: dict = {}
    teams = {key: services.team_get_or_create_path(path=path, cache=cache) for key, path in TEAMS.items()}
    base = dt.date(2022, 3, 1)
    for username, no, name, key, title in MANAGERS:
        manager = _user(username, no, name, teams[key], title, {MANAGER}, base)
        teams[key].managers.add(manager)
    for username, no, name, title in TRAINERS:
        _user(username, no, name, None, title, {TRAINER}, base)
    for i, (username, no, name, key) in enumerate(salesperson_rows()):
        _user(username, no, name, teams[key], "销售代表", {SALESPERSON}, base + dt.timedelta(days=30 * i))
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD, display_name="管理员")
    if stdout is not None and settings.DEBUG:
        stdout.write(
            f"Demo logins (password for all: {DEMO_PASSWORD}): "
            "admin, trainer, trainer2, manager_a, manager_b, manager_c, sales01 ... sales40"
        )

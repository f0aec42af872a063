"""Every role, team and e-mail change is an audit entry with before and after (issue 18, item 1): the people
import wrote one entry with counts, so who was made a manager of which team could not be told afterwards."""

import pytest

from lms.audit import AuditAction
from lms.models import AuditLog
from lms.roles import MANAGER, SALESPERSON, TRAINER
from tests.factories import UserFactory, make_salesperson
from tests.trainees.conftest import csv_bytes
from trainees.models import Team, User
from trainees.services import people_import


def _changes():
    return {e.object_id: e.details for e in AuditLog.objects.filter(action=AuditAction.PERSON_CHANGED)}


def test_an_import_records_each_changed_person_with_before_and_after(team_a, team_b, admin_user):
    person = make_salesperson(team_b, employee_no="S200", display_name="旧名字", email="old@example.com")
    boss = UserFactory(employee_no="B1", roles=[TRAINER])
    report = people_import(
        content=csv_bytes(f"S200,新名字,new@example.com,{team_a.full_name},trainer,B1"), actor=admin_user
    )
    assert report.ok, report.errors
    changes = _changes()
    assert changes[str(person.pk)] == {
        "via": "import",
        "team": [team_b.full_name, team_a.full_name],
        "name": ["旧名字", "新名字"],
        "email": ["old@example.com", "new@example.com"],
        "roles": [[SALESPERSON], [TRAINER]],
    }
    assert changes[str(boss.pk)] == {
        "via": "import",
        "roles": [[TRAINER], sorted([MANAGER, TRAINER])],
        "manages_added": [team_a.full_name],
    }
    entry = AuditLog.objects.get(action=AuditAction.PERSON_CHANGED, object_id=str(person.pk))
    assert entry.actor == admin_user and entry.object_type == "trainees.user"


def test_a_new_person_is_recorded_only_when_granted_more_than_salesperson(db):
    people_import(content=csv_bytes("M1,新经理,,华东区/一组,manager,", "S1,新销售,,华东区/一组,,M1"))
    changes = _changes()
    manager = User.objects.get(employee_no="M1")
    assert changes == {
        str(manager.pk): {
            "via": "import",
            "created": True,
            "team": ["", "华东区/一组"],
            "name": ["", "新经理"],
            "roles": [[], [MANAGER]],
            "manages_added": ["华东区/一组"],
        }
    }


def test_an_unchanged_or_dry_run_import_records_no_person(team_b):
    make_salesperson(team_b, employee_no="S200", display_name="张三", email="z@example.com")
    content = csv_bytes(f"S200,张三,z@example.com,{team_b.full_name},salesperson,")
    people_import(content=content)
    people_import(content=csv_bytes(f"S200,李四,z@example.com,{team_b.full_name},,"), dry_run=True)
    assert not AuditLog.objects.filter(action=AuditAction.PERSON_CHANGED).exists()


def test_an_import_of_many_changes_writes_the_entries_in_bounded_queries(team_a, team_b, django_assert_max_num_queries):
    for i in range(60):
        make_salesperson(team_b, employee_no=f"S{i}", display_name=f"人{i}")
    content = csv_bytes(*[f"S{i},人{i},,{team_a.full_name},," for i in range(60)])
    with django_assert_max_num_queries(40):
        report = people_import(content=content)
    assert report.updated == 60
    assert AuditLog.objects.filter(action=AuditAction.PERSON_CHANGED).count() == 60


@pytest.mark.django_db
def test_admin_changes_of_email_team_and_staff_are_recorded(admin_user, client, team_a, team_b):
    person = make_salesperson(team_a, username="p1", email="a@example.com")
    client.force_login(admin_user)
    page = client.get(f"/admin/trainees/user/{person.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (list, tuple))}
    data |= {
        "username": "p1",
        "email": "b@example.com",
        "team": team_b.pk,
        "is_active": "on",
        "is_staff": "on",
        "groups": [g.pk for g in person.groups.all()],
        "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
        "language": person.language,
    }
    data.pop("last_login", None)
    data.pop("password", None)
    response = client.post(f"/admin/trainees/user/{person.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry = AuditLog.objects.get(action=AuditAction.PERSON_CHANGED, object_id=str(person.pk))
    assert entry.actor == admin_user
    assert entry.details == {
        "via": "admin",
        "email": ["a@example.com", "b@example.com"],
        "team": [team_a.full_name, team_b.full_name],
        "is_staff": [False, True],
    }


@pytest.mark.django_db
def test_admin_changes_of_a_teams_managers_are_recorded(admin_user, client, team_a, manager_b):
    client.force_login(admin_user)
    data = {"name": team_a.name, "kind": team_a.kind, "parent": team_a.parent_id or "", "managers": [manager_b.pk]}
    response = client.post(f"/admin/trainees/team/{team_a.pk}/change/", data)
    assert response.status_code == 302
    entry = AuditLog.objects.get(action=AuditAction.TEAM_MANAGERS_CHANGED, object_id=str(team_a.pk))
    assert entry.details["to"] == [manager_b.username] and entry.details["via"] == "admin"
    assert Team.objects.get(pk=team_a.pk).managers.get() == manager_b

"""One person and one team from the people pages (issue 19): who may do what, bad input, the audit trail."""

import pytest
from django.core import mail
from django.db.models import Q
from django.urls import reverse

from lms.models import AuditLog
from lms.roles import MANAGER, SALESPERSON, TRAINER
from tests.factories import TeamFactory, make_salesperson, make_trainer
from trainees import hooks
from trainees.models import Team, User


def _person_data(**overrides):
    data = {
        "display_name": "赵新人",
        "employee_no": "S900",
        "email": "zhao@example.com",
        "team": "",
        "roles": [SALESPERSON],
        "is_active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _roles(user):
    return set(user.groups.values_list("name", flat=True))


# --- the people page and its buttons --------------------------------------------------------------------------


def test_people_page_shows_add_buttons_to_a_trainer(client_for, trainer):
    text = client_for(trainer).get(reverse("trainees:people")).text
    assert reverse("trainees:person-add") in text
    assert reverse("trainees:team-add") in text


def test_people_page_hides_add_buttons_from_a_manager(client_for, manager_a, team_a):
    text = client_for(manager_a).get(reverse("trainees:people"), {"team": team_a.id}).text
    assert reverse("trainees:person-add") not in text
    assert reverse("trainees:team-add") not in text
    assert reverse("trainees:team-edit", args=[team_a.id]) not in text


def test_people_page_offers_team_edit_to_an_admin(client_for, admin_user, team_a):
    text = client_for(admin_user).get(reverse("trainees:people"), {"team": team_a.id}).text
    assert reverse("trainees:team-edit", args=[team_a.id]) in text


def test_people_page_query_budget_with_buttons(client_for, admin_user, team_a, django_assert_max_num_queries):
    for i in range(60):
        make_salesperson(TeamFactory(name=f"小组{i}", parent=team_a))
    c = client_for(admin_user)
    with django_assert_max_num_queries(12):
        response = c.get(reverse("trainees:people"), {"team": team_a.id})
    assert response.status_code == 200
    assert response.text.count('href="/people/') >= 50


# --- adding a person --------------------------------------------------------------------------------------------


def test_trainer_adds_a_salesperson_with_welcome_mail(client_for, trainer, team_a, django_capture_on_commit_callbacks):
    c = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("trainees:person-add"), _person_data(team=team_a.id, send_welcome="on"))
    assert response.status_code == 302
    person = User.objects.get(employee_no="S900")
    assert person.username == "S900" and person.team == team_a and person.is_active
    assert not person.has_usable_password()
    assert _roles(person) == {SALESPERSON}
    created = AuditLog.objects.get(action="person.changed", object_id=str(person.pk))
    assert created.actor_id == trainer.pk
    assert created.details["via"] == "page" and created.details["created"] is True
    assert created.details["employee_no"] == [None, "S900"]
    assert created.details["team"] == ["", str(team_a)]
    assert AuditLog.objects.filter(action="person.roles_changed", object_id=str(person.pk)).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhao@example.com"]
    assert "/accounts/reset/" in message.body and "S900" in message.body


def test_welcome_link_lets_the_new_person_choose_a_password(
    client, trainer, team_a, django_capture_on_commit_callbacks
):
    c = client
    c.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("trainees:person-add"), _person_data(team=team_a.id, send_welcome="on"))
    c.logout()
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link[link.index("/accounts/") :]
    form_page = c.get(path, follow=True)
    assert form_page.status_code == 200
    response = c.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Long-pass-2026!", "new_password2": "Long-pass-2026!"}
    )
    assert response.status_code == 302
    assert User.objects.get(employee_no="S900").check_password("Long-pass-2026!")


def test_trainer_cannot_grant_roles_or_add_inactive(client_for, trainer, team_a):
    c = client_for(trainer)
    c.post(reverse("trainees:person-add"), _person_data(team=team_a.id, roles=[MANAGER, TRAINER], is_active=None))
    person = User.objects.get(employee_no="S900")
    assert _roles(person) == {SALESPERSON}  # the disabled fields keep their initial values
    assert person.is_active


def test_admin_adds_a_manager(client_for, admin_user, team_a):
    response = client_for(admin_user).post(
        reverse("trainees:person-add"), _person_data(team=team_a.id, roles=[MANAGER, SALESPERSON])
    )
    person = User.objects.get(employee_no="S900")
    assert response.url == reverse("trainees:person", args=[person.pk])
    assert _roles(person) == {MANAGER, SALESPERSON}


@pytest.mark.parametrize("persona", ["manager_a", "sales_a"])
def test_people_without_trainer_role_cannot_add(client_for, request, persona, team_a):
    c = client_for(request.getfixturevalue(persona))
    assert c.get(reverse("trainees:person-add")).status_code == 404
    assert c.post(reverse("trainees:person-add"), _person_data(team=team_a.id)).status_code == 404
    assert not User.objects.filter(employee_no="S900").exists()


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"display_name": "  "}, "display_name", "The name is missing."),
        ({"employee_no": ""}, "employee_no", "The employee number is missing."),
        ({"employee_no": "S 9/0"}, "employee_no", "may contain only letters"),
        ({"email": "not-an-address"}, "email", "is not a valid e-mail address"),
        ({"team": ""}, "team", "A salesperson belongs to a team"),
    ],
)
def test_bad_person_input_is_a_form_error(client_for, trainer, team_a, overrides, field, message):
    c = client_for(trainer)
    c.cookies["django_language"] = "en"
    data = _person_data(team=team_a.id)
    data.update(overrides)
    response = c.post(reverse("trainees:person-add"), data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not User.objects.filter(display_name="赵新人").exists()
    assert not AuditLog.objects.filter(action="person.changed").exists()


def test_duplicate_employee_number_and_email_are_refused(client_for, trainer, team_a, sales_a):
    c = client_for(trainer)
    c.cookies["django_language"] = "en"
    response = c.post(
        reverse("trainees:person-add"),
        _person_data(team=team_a.id, employee_no=sales_a.employee_no, email=sales_a.email.upper()),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "already has the employee number" in str(errors["employee_no"])
    assert "already has the e-mail address" in str(errors["email"])
    assert User.objects.filter(employee_no=sales_a.employee_no).count() == 1


def test_welcome_mail_needs_an_address(client_for, trainer, team_a):
    c = client_for(trainer)
    c.cookies["django_language"] = "en"
    response = c.post(reverse("trainees:person-add"), _person_data(team=team_a.id, email="", send_welcome="on"))
    assert "A welcome e-mail needs an e-mail address." in str(response.context["form"].errors["email"])
    assert not User.objects.filter(employee_no="S900").exists()


# --- editing a person -------------------------------------------------------------------------------------------


@pytest.fixture
def trainer_sees_sales_a(trainer, sales_a):
    """The trainer sees sales_a, as when sales_a is enrolled in the trainer's course (learning's scope hook)."""

    def scope(*, trainer):
        return Q(id=sales_a.id)

    hooks.trainer_people_scope.register(scope)
    yield sales_a
    hooks.trainer_people_scope.unregister(scope)


def test_trainer_corrects_a_salespersons_name_and_email(client_for, trainer, trainer_sees_sales_a):
    sales_a = trainer_sees_sales_a
    c = client_for(trainer)
    assert (
        reverse("trainees:person-edit", args=[sales_a.id]) in c.get(reverse("trainees:person", args=[sales_a.id])).text
    )
    old_email = sales_a.email
    response = c.post(
        reverse("trainees:person-edit", args=[sales_a.id]),
        {"display_name": "张三丰", "email": "zsf@example.com", "employee_no": "HACK1", "roles": [MANAGER]},
    )
    assert response.status_code == 302
    sales_a.refresh_from_db()
    assert (sales_a.display_name, sales_a.email) == ("张三丰", "zsf@example.com")
    assert sales_a.employee_no != "HACK1" and _roles(sales_a) == {SALESPERSON}
    entry = AuditLog.objects.get(action="person.changed", object_id=str(sales_a.pk))
    assert entry.details == {
        "via": "page",
        "display_name": ["张三", "张三丰"],
        "email": [old_email, "zsf@example.com"],
    }


def test_trainer_cannot_edit_a_trainer_or_manager(client_for, trainer, manager_a):
    other = make_trainer(username="trainer_2")

    def scope(*, trainer):
        return Q(id__in=[other.id, manager_a.id])

    hooks.trainer_people_scope.register(scope)
    try:
        c = client_for(trainer)
        for person in (other, manager_a):
            assert c.get(reverse("trainees:person", args=[person.id])).status_code == 200
            assert c.get(reverse("trainees:person-edit", args=[person.id])).status_code == 403
            assert c.post(reverse("trainees:person-edit", args=[person.id]), {"display_name": "x"}).status_code == 403
        assert c.get(reverse("trainees:person-edit", args=[trainer.id])).status_code == 403
    finally:
        hooks.trainer_people_scope.unregister(scope)
    manager_a.refresh_from_db()
    assert manager_a.display_name == "王经理"


def test_person_out_of_scope_is_404(client_for, trainer, manager_a, sales_b):
    assert client_for(trainer).get(reverse("trainees:person-edit", args=[sales_b.id])).status_code == 404
    assert client_for(manager_a).get(reverse("trainees:person-edit", args=[sales_b.id])).status_code == 404


def test_manager_may_read_but_not_edit_own_team(client_for, manager_a, sales_a):
    c = client_for(manager_a)
    assert (
        reverse("trainees:person-edit", args=[sales_a.id])
        not in c.get(reverse("trainees:person", args=[sales_a.id])).text
    )
    assert c.get(reverse("trainees:person-edit", args=[sales_a.id])).status_code == 403


def test_admin_moves_and_promotes_with_audit(client_for, admin_user, sales_a, team_b):
    c = client_for(admin_user)
    response = c.post(
        reverse("trainees:person-edit", args=[sales_a.id]),
        {
            "display_name": "张三",
            "email": sales_a.email,
            "employee_no": "S777",
            "team": team_b.id,
            "roles": [MANAGER, SALESPERSON],
        },
    )
    assert response.status_code == 302
    sales_a.refresh_from_db()
    assert sales_a.team == team_b and sales_a.employee_no == "S777" and not sales_a.is_active
    assert _roles(sales_a) == {MANAGER, SALESPERSON}
    entry = AuditLog.objects.get(action="person.changed", object_id=str(sales_a.pk))
    assert entry.details["team"][1] == str(team_b)
    assert entry.details["is_active"] == [True, False]
    roles = AuditLog.objects.get(action="person.roles_changed", object_id=str(sales_a.pk), actor=admin_user)
    assert roles.details == {"from": [SALESPERSON], "to": [MANAGER, SALESPERSON]}


def test_admin_cannot_deactivate_themself(client_for, admin_user):
    c = client_for(admin_user)
    c.cookies["django_language"] = "en"
    response = c.post(reverse("trainees:person-edit", args=[admin_user.id]), {"display_name": "Root", "email": ""})
    assert response.status_code == 200
    assert "You cannot deactivate your own account." in str(response.context["form"].errors["is_active"])
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.display_name == ""


def test_edit_refuses_a_duplicate_email(client_for, admin_user, sales_a, sales_b):
    c = client_for(admin_user)
    c.cookies["django_language"] = "en"
    response = c.post(
        reverse("trainees:person-edit", args=[sales_a.id]),
        {"display_name": "张三", "email": sales_b.email, "employee_no": sales_a.employee_no,
         "team": sales_a.team_id, "roles": [SALESPERSON], "is_active": "on"},
    )  # fmt: skip
    assert "already has the e-mail address" in str(response.context["form"].errors["email"])
    sales_a.refresh_from_db()
    assert sales_a.email != sales_b.email


def test_welcome_button_sends_the_link_to_an_imported_person(
    client_for, admin_user, team_a, django_capture_on_commit_callbacks
):
    person = make_salesperson(team_a, email="new@example.com")
    person.set_unusable_password()
    person.save()
    c = client_for(admin_user)
    assert (
        reverse("trainees:person-welcome", args=[person.id]) in c.get(reverse("trainees:person", args=[person.id])).text
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("trainees:person-welcome", args=[person.id]))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_welcome_button_refused_to_a_manager(client_for, manager_a, sales_a):
    assert client_for(manager_a).post(reverse("trainees:person-welcome", args=[sales_a.id])).status_code == 403
    assert mail.outbox == []


# --- teams ------------------------------------------------------------------------------------------------------


def test_trainer_adds_a_team_but_names_no_managers(client_for, trainer, team_a, manager_a):
    c = client_for(trainer)
    assert "managers" not in c.get(reverse("trainees:team-add")).context["form"].fields
    response = c.post(
        reverse("trainees:team-add"), {"name": "三组", "kind": "team", "parent": team_a.id, "managers": "manager_a"}
    )
    assert response.status_code == 302
    team = Team.objects.get(name="三组")
    assert team.full_name == f"{team_a.full_name}/三组" and team.path == f"{team_a.path}{team.pk}/"
    assert not team.managers.exists()
    assert AuditLog.objects.filter(action="team.changed", object_id=str(team.pk)).exists()


def test_admin_adds_a_team_with_managers(client_for, admin_user, region, sales_a):
    response = client_for(admin_user).post(
        reverse("trainees:team-add"), {"name": "杭州", "kind": "department", "parent": region.id, "managers": sales_a.employee_no}
    )  # fmt: skip
    assert response.status_code == 302
    team = Team.objects.get(name="杭州")
    assert list(team.managers.all()) == [sales_a]
    assert MANAGER in _roles(sales_a)
    entry = AuditLog.objects.get(action="team.managers_changed", object_id=str(team.pk))
    assert entry.details == {"from": [], "to": [sales_a.username], "via": "page"}


@pytest.mark.parametrize("persona", ["manager_a", "sales_a"])
def test_team_add_is_404_for_others(client_for, request, persona):
    c = client_for(request.getfixturevalue(persona))
    assert c.get(reverse("trainees:team-add")).status_code == 404
    assert c.post(reverse("trainees:team-add"), {"name": "X", "kind": "team"}).status_code == 404
    assert not Team.objects.filter(name="X").exists()


def test_team_edit_refused_to_its_manager_and_404_outside(client_for, manager_a, team_a, team_b):
    c = client_for(manager_a)
    assert c.get(reverse("trainees:team-edit", args=[team_a.id])).status_code == 403
    assert c.post(reverse("trainees:team-edit", args=[team_a.id]), {"name": "改名", "kind": "team"}).status_code == 403
    assert c.get(reverse("trainees:team-edit", args=[team_b.id])).status_code == 404
    team_a.refresh_from_db()
    assert team_a.name == "一组"


def test_admin_moves_a_team_and_sub_teams_follow(client_for, admin_user, team_a, sub_team_a, team_b, manager_a):
    response = client_for(admin_user).post(
        reverse("trainees:team-edit", args=[team_a.id]),
        {"name": "一组", "kind": "team", "parent": team_b.id, "managers": ""},
    )
    assert response.status_code == 302
    sub_team_a.refresh_from_db()
    team_a.refresh_from_db()
    assert sub_team_a.full_name == f"{team_b.full_name}/一组/一组-新人"
    assert sub_team_a.path.startswith(team_a.path) and team_a.path.startswith(team_b.path)
    assert not team_a.managers.exists()
    moved = AuditLog.objects.get(action="team.changed", object_id=str(team_a.pk))
    assert moved.details["parent"][1] == str(team_b)
    assert AuditLog.objects.get(action="team.managers_changed").details["from"] == ["manager_a"]


def test_team_cannot_move_below_itself(client_for, admin_user, team_a, sub_team_a):
    c = client_for(admin_user)
    c.cookies["django_language"] = "en"
    for parent in (team_a, sub_team_a):
        response = c.post(
            reverse("trainees:team-edit", args=[team_a.id]), {"name": "一组", "kind": "team", "parent": parent.id}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["parent"]
    team_a.refresh_from_db()
    assert team_a.parent.name == "上海销售部"


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"name": " "}, "name", "The name is missing."),
        ({"name": "一组"}, "name", "There is already a team called 一组"),
        ({"name": "a/b"}, "name", "cannot contain"),
        ({"name": "新组", "managers": "NOBODY"}, "managers", "NOBODY"),
    ],
)
def test_bad_team_input_is_a_form_error(client_for, admin_user, team_a, data, field, message):
    c = client_for(admin_user)
    c.cookies["django_language"] = "en"
    count = Team.objects.count()
    response = c.post(reverse("trainees:team-add"), {"kind": "team", "parent": team_a.parent_id, **data})
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert Team.objects.count() == count


# --- the services refuse what the forms only disable --------------------------------------------------------------


def test_services_refuse_a_trainer_beyond_salespeople(trainer, team_a, team_b, sales_a):
    from django.core.exceptions import PermissionDenied

    from trainees import services

    with pytest.raises(PermissionDenied):
        services.person_create(actor=trainer, display_name="X", employee_no="X1", team=team_a, roles={MANAGER})
    with pytest.raises(PermissionDenied):
        services.person_update(actor=trainer, person=sales_a, display_name="张三", email="", team=team_b)
    with pytest.raises(PermissionDenied):
        services.team_add(actor=trainer, name="新组", parent=team_a, managers=[sales_a])
    with pytest.raises(PermissionDenied):
        services.team_update(actor=trainer, team=team_a, name="改", parent=None, kind="team", managers=[])
    sales_a.refresh_from_db()
    assert sales_a.team == team_a and not User.objects.filter(employee_no="X1").exists()
    assert not Team.objects.filter(name__in=["新组", "改"]).exists()

"""The layering of the apps (docs/architecture.md): what the import contracts in .importlinter cannot see.

`make lint` runs lint-imports (layers, independence, no circles); these tests check the rest of the rule: no
import of our own modules inside a function (the way circles used to be dodged), every hook filled by the app that
should fill it, and every task a service queues by name registered."""

import ast
import importlib
from pathlib import Path

import pytest
from celery import current_app
from django.apps import apps
from django.db import transaction
from django.urls import reverse

from lms import deferred
from lms.hooks import Hook

ROOT = Path(__file__).resolve().parents[2]
APPS = ["lms", "trainees", "courses", "learning", "assessments", "practice", "dashboards", "notifications"]


def _app_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "apps.py":
                continue  # migrations import no app code; AppConfig.ready() is where registering happens
            yield path


def _nested_imports_of_our_apps(path: Path) -> list[str]:
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and not inner.level:
                names = [inner.module or ""]
            elif isinstance(inner, ast.Import):
                names = [alias.name for alias in inner.names]
            else:
                continue
            for name in names:
                problem = f"{where}:{inner.lineno} imports {name}"
                if name.split(".")[0] in APPS and problem not in found:  # a method is in its class too
                    found.append(problem)
    return found


def test_no_app_imports_its_own_or_another_apps_code_inside_a_function():
    found = [problem for path in _app_files() for problem in _nested_imports_of_our_apps(path)]
    assert not found, (
        "Import at the top of the module (a circle means a hook or a task name is missing):\n" + "\n".join(found)
    )


def test_the_check_finds_an_import_inside_a_function_or_method(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import json\nfrom courses import hooks\n\n\ndef f():\n    from learning import services\n    import re\n\n\n"
        "class C:\n    def m(self):\n        import dashboards.selectors\n",
        encoding="utf-8",
    )
    assert _nested_imports_of_our_apps(module) == ["m.py:6 imports learning", "m.py:12 imports dashboards.selectors"]


# Every hook, and who fills it (AppConfig.ready of the app named). A new hook is listed here, with its users.
EXPECTED_HOOKS = {
    "trainees.hooks.trainer_people_scope": {"learning.selectors.trainer_people_scope"},
    "courses.hooks.plan_participation_scope": {"learning.selectors.plan_participation_scope"},
    "courses.hooks.plan_changed": set(),  # for telling a published plan's participants; nobody listens yet
    "courses.hooks.plan_figures_changed": {"dashboards.services.stats_plans_changed"},
    "courses.hooks.course_outline_changed": {"learning.services.course_progress_refresh_later"},
    "courses.hooks.plan_page_context": {"dashboards.selectors.plan_page_participants"},
    "courses.hooks.course_outline_activities": {
        "assessments.selectors.course_outline_quizzes",
        "practice.selectors.course_outline_scenarios",
    },
    "courses.hooks.course_outline_add_actions": {
        "assessments.selectors.course_outline_quiz_actions",
        "practice.selectors.course_outline_scenario_actions",
    },
    "courses.hooks.plan_session_actions": {"assessments.selectors.plan_session_quiz_links"},
    "learning.hooks.completion_requirement": {
        "assessments.selectors.final_quiz_passed_for_enrollment",
        "practice.selectors.required_scenarios_passed_for_enrollment",
    },
    "learning.hooks.plan_completion_requirement": {"practice.selectors.plan_required_scenarios_passed"},
    "learning.hooks.calendar_source": set(),
    "learning.hooks.enrollments_assigned": {"notifications.domain_rules.notify_assigned"},
    "learning.hooks.progress_changed": {"dashboards.services.stats_people_changed"},
    "learning.hooks.overdue_marked": {"dashboards.services.stats_repair"},
    "learning.hooks.overdue_reminder": {"notifications.domain_rules.notify_overdue_nudge"},
    "assessments.hooks.attempt_recorded": {"dashboards.services.dashboards_record_attempt"},
    "assessments.hooks.attempt_graded_by_hand": {"notifications.domain_rules.notify_quiz_graded"},
    "assessments.hooks.plan_exam_changed": {"dashboards.services.stats_plans_changed"},
    "practice.hooks.session_scored": {"dashboards.services.dashboards_record_practice"},
    "learning.hooks.completion_requirement_rows": {
        "assessments.selectors.final_quiz_requirement_rows",
        "practice.selectors.required_practice_requirement_rows",
    },
    "learning.hooks.enrollments_reassigned": {"notifications.domain_rules.notify_reassigned"},
    "practice.hooks.scenarios_assigned": {"notifications.domain_rules.notify_practice_assigned"},
    "assessments.hooks.quizzes_assigned": {"notifications.domain_rules.notify_quiz_assigned"},
    "assessments.hooks.attempt_request_decided": {"notifications.domain_rules.notify_attempt_request_decided"},
    "practice.hooks.comment_added": {"notifications.domain_rules.notify_practice_comment"},
    "practice.hooks.score_overridden": {"notifications.domain_rules.notify_practice_override"},
}


def test_the_home_todo_is_filled_by_each_app():
    from lms.todo import home_todo

    filled = {f"{fn.__module__}.{fn.__qualname__}" for fn in home_todo.functions}
    assert filled == {
        "lms.todo.failed_jobs_todo",
        "trainees.todo.imports_todo",
        "courses.todo.plans_todo",
        "learning.todo.learner_todo",
        "assessments.todo.quiz_todo",
        "practice.todo.practice_todo",
        "dashboards.todo.manager_todo",
    }


def _declared_hooks() -> dict[str, Hook]:
    hooks = {}
    for config in apps.get_app_configs():
        if config.name not in APPS:
            continue
        try:
            module = importlib.import_module(f"{config.name}.hooks")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if isinstance(value, Hook):
                hooks[f"{config.name}.hooks.{name}"] = value
    return hooks


def test_every_hook_is_filled_by_the_apps_above():
    declared = _declared_hooks()
    assert set(declared) == set(EXPECTED_HOOKS), "hooks declared vs listed here"
    for name, hook in declared.items():
        filled = {f"{fn.__module__}.{fn.__qualname__}" for fn in hook.functions}
        assert filled == EXPECTED_HOOKS[name], name
        assert hook.name == name.replace(".hooks.", "."), f"{name} calls itself {hook.name}"


def test_a_hook_runs_its_functions_in_order_once_each():
    hook = Hook("test.example", "fn(*, n) -> int")

    def double(*, n):
        return n * 2

    def square(*, n):
        return n * n

    hook.register(double)
    hook.register(square)
    hook.register(double)  # twice: still once
    assert hook.call(n=3) == [6, 9]
    hook.unregister(double)
    assert hook.call(n=3) == [9]
    assert "1 registered" in repr(hook)


def _task_names_queued_by_services() -> dict[str, str]:
    """Module-level constants *_TASK naming the tasks services queue by name."""
    names = {}
    for path in _app_files():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id.endswith("_TASK"):
                        names[f"{path.relative_to(ROOT)}:{target.id}"] = node.value.value
    return names


def test_every_task_a_service_queues_is_registered():
    names = _task_names_queued_by_services()
    assert len(names) >= 7  # assessments (4), learning (2), dashboards, notifications
    registered = set(current_app.tasks)
    missing = {where: name for where, name in names.items() if name not in registered}
    assert not missing


@pytest.mark.django_db
def test_a_misspelt_task_name_is_refused_in_the_request_not_after_commit():
    with pytest.raises(LookupError, match="learning.tasks.enrol_bulk"):
        deferred.registered_task("learning.tasks.enrol_bulk")
    with transaction.atomic():
        with pytest.raises(LookupError):
            deferred.enqueue_on_commit("learning.tasks.enrol_bulk", job_id=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/trainees/enrollment/", "/admin/learning/enrollment/"),
        ("/admin/trainees/certificate/12/change/", "/admin/learning/certificate/12/change/"),
        ("/admin/trainees/notification/?status=failed", "/admin/notifications/notification/?status=failed"),
    ],
)
def test_old_admin_addresses_of_moved_models_lead_to_their_new_app(client, admin_user, old, new):
    assert client.get(old).status_code == 302
    assert client.get(old)["Location"].startswith(reverse("admin:login"))  # anonymous: the admin login first
    client.force_login(admin_user)
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == new
    assert client.get(new).status_code in (200, 302)  # a page of the admin (the change page of a missing row: 302)


@pytest.mark.django_db
def test_moved_models_and_people_have_their_admin_pages(client, admin_user):
    client.force_login(admin_user)
    for url in ("/admin/learning/enrollment/", "/admin/learning/certificate/", "/admin/notifications/notification/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/trainees/user/").status_code == 200
    assert client.get("/admin/trainees/team/").status_code == 200

"""The production stack: settings refuse to start without secrets, `check --deploy` is clean, the compose file
names only things that exist, and the environment readers are strict."""

import importlib
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured
from django.core.management import get_commands
from django.urls import resolve

from lms.env import env_bool, env_int, env_list, env_required, mailer_from_url

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def _clean_env(**extra: str) -> dict[str, str]:
    """A minimal environment: nothing from the developer's shell leaks into the production settings."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


SETUP = "import django; django.setup()"


def test_production_settings_refuse_to_start_without_secret_key():
    result = _run([PYTHON, "-c", SETUP], _clean_env(DJANGO_SETTINGS_MODULE="lms.settings.production"))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("key", ["short", "dev-only-insecure-key-change-me" + "x" * 40, "change-me" + "x" * 60])
def test_production_settings_refuse_a_weak_secret_key(key):
    result = _run([PYTHON, "-c", SETUP], _clean_env(DJANGO_SETTINGS_MODULE="lms.settings.production", SECRET_KEY=key))
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value" in result.stderr


def _production_env(tmp_path, **extra) -> dict[str, str]:
    return _clean_env(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="lms.example.com",
        CSRF_TRUSTED_ORIGINS="https://lms.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/15",
        EMAIL_URL="smtp://lms%40example.com:secret@smtp.example.com:587?tls=true",
        **extra,
    )


def test_check_deploy_is_clean_with_a_real_looking_environment(tmp_path):
    result = _run([PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_settings_read_the_environment(tmp_path):
    code = (
        f"{SETUP}; from django.conf import settings as s; "
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, "
        "s.MAILERS['default']['BACKEND'], s.SESSION_COOKIE_SECURE)"
    )
    result = _run([PYTHON, "-c", code], _production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "['lms.example.com']",
        "django.db.backends.sqlite3",
        "redis://127.0.0.1:6379/15",
        "django.core.mail.backends.smtp.EmailBackend",
        "True",
    ]


def test_a_non_boolean_debug_refuses_to_start(tmp_path):
    result = _run([PYTHON, "-c", SETUP], _clean_env(DJANGO_SETTINGS_MODULE="lms.settings.local", DEBUG="maybe"))
    assert result.returncode != 0 and "DEBUG must be a boolean" in result.stderr


# --- docker-compose.yml -----------------------------------------------------------------------------------------

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
APP_SERVICES = [name for name, svc in SERVICES.items() if "build" in svc]


def _commands(service: dict) -> list[list[str]]:
    """A compose `command` as a list of argv lists (`sh -c "a && b"` is split into a and b)."""
    command = service.get("command")
    if not command:
        return []
    argv = command if isinstance(command, list) else shlex.split(command)
    if argv[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in re.split(r"&&|;", argv[2]) if part.strip()]
    return [argv]


def _check_argv(argv: list[str]) -> None:
    program = argv[0]
    if program == "python" and argv[1] == "manage.py":
        assert (ROOT / "manage.py").exists()
        assert argv[2] in get_commands(), f"unknown management command {argv[2]}"
    elif program == "gunicorn":
        module, _, attr = argv[1].partition(":")
        assert callable(getattr(importlib.import_module(module), attr))
    elif program == "celery":
        assert argv[1] == "-A"
        app = importlib.import_module(f"{argv[2]}.celery").app
        assert app.main == argv[2]
        assert argv[3] in {"worker", "beat", "inspect"}
    elif program == "redis-server":
        pass  # the image's own program
    else:
        raise AssertionError(f"unexpected program {program!r} in {argv}")


def test_compose_has_the_whole_stack():
    assert {"db", "redis", "web", "worker", "beat"} <= set(SERVICES)
    assert SERVICES["db"]["image"].startswith("postgres:16")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert set(APP_SERVICES) == {"web", "worker", "beat"}


@pytest.mark.parametrize("name", ["web", "worker", "beat", "redis"])
def test_every_service_command_names_something_that_exists(name):
    commands = _commands(SERVICES[name])
    assert commands, f"{name} has no command"
    for argv in commands:
        _check_argv(argv)


def test_web_runs_migrations_before_gunicorn():
    programs = [argv[0] if argv[0] != "python" else argv[2] for argv in _commands(SERVICES["web"])]
    assert programs == ["migrate", "gunicorn"]


@pytest.mark.parametrize("name", ["db", "redis", "web", "worker"])
def test_health_checks_exist(name):
    check = SERVICES[name].get("healthcheck")
    assert check and check.get("test"), f"{name} has no health check"


def test_web_health_check_calls_healthz_and_app_services_wait_for_healthy_dependencies():
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert resolve("/healthz").url_name == "healthz"
    for name in APP_SERVICES:
        svc = SERVICES[name]
        assert svc["environment"]["DJANGO_SETTINGS_MODULE"] == "lms.settings.production"
        assert importlib.util.find_spec(svc["environment"]["DJANGO_SETTINGS_MODULE"]) is not None
        assert {dep: cond["condition"] for dep, cond in svc["depends_on"].items()} == {
            "db": "service_healthy",
            "redis": "service_healthy",
        }
        assert svc["env_file"] == ".env"
    assert (ROOT / ".env.example").exists() and (ROOT / "Dockerfile").exists()


def test_env_example_names_every_deployment_setting():
    names = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line}
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "EMAIL_URL", "POSTGRES_PASSWORD"} <= names


# --- Makefile ---------------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_lists_every_target():
    result = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    listed = set(re.findall(r"^\s+(?:\x1b\[\d+m)?([a-z-]+)", result.stdout, re.M))
    declared = set(re.findall(r"^([a-z-]+):.*## ", (ROOT / "Makefile").read_text(), re.M))
    assert {"help", "run", "test", "lint"} <= declared
    assert listed == declared


# --- lms/env.py -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [("1", True), ("true", True), (" YES ", True), ("on", True), ("0", False), ("false", False), ("", False)],
)
def test_env_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG") is expected


@pytest.mark.parametrize("raw", ["2", "yep", "truthy", "enabled"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("X_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be a boolean"):
        env_bool("X_FLAG")


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert env_bool("X_FLAG", True) is True and env_bool("X_FLAG") is False


def test_env_int_list_and_required(monkeypatch):
    monkeypatch.setenv("X_INT", "42")
    assert env_int("X_INT", 1) == 42
    monkeypatch.setenv("X_INT", "4x")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_LIST", " a.example.com, ,b.example.com ")
    assert env_list("X_LIST") == ["a.example.com", "b.example.com"]
    monkeypatch.setenv("X_REQ", "  ")
    with pytest.raises(ImproperlyConfigured, match="X_REQ must be set"):
        env_required("X_REQ")


@pytest.mark.parametrize(
    "url,backend,options",
    [
        ("console://", "lms.mail.ReadableConsoleBackend", None),
        ("locmem://", "locmem", None),
        ("file:///var/mail", "filebased", {"file_path": "/var/mail"}),
        (
            "smtp://lms%40example.com:p%40ss@smtp.example.com:587?tls=true",
            "smtp",
            {
                "host": "smtp.example.com",
                "port": 587,
                "username": "lms@example.com",
                "password": "p@ss",
                "timeout": 10,
                "use_tls": True,
            },
        ),
        (
            "smtps://u:p@mail.example.com?timeout=5",
            "smtp",
            {"host": "mail.example.com", "port": 465, "username": "u", "password": "p", "timeout": 5, "use_ssl": True},
        ),
        (
            "smtp://relay",
            "smtp",
            {"host": "relay", "port": 25, "username": "", "password": "", "timeout": 10},
        ),
    ],
)
def test_mailer_from_url(url, backend, options):
    mailer = mailer_from_url(url)
    expected = backend if "." in backend else f"django.core.mail.backends.{backend}.EmailBackend"
    assert mailer["BACKEND"] == expected
    assert mailer.get("OPTIONS") == options


def test_mailer_from_url_refuses_unknown_schemes():
    with pytest.raises(ImproperlyConfigured, match="not supported"):
        mailer_from_url("sendmail://localhost")

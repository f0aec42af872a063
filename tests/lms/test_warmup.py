"""A web process builds the URL resolver's reverse tables when it loads the app (lms.wsgi), not in its first
requests: afterwards reverse() in every language builds nothing."""

from unittest import mock

from django.conf import settings
from django.urls import clear_url_caches, reverse
from django.urls.resolvers import URLResolver
from django.utils import translation

from lms.warmup import warm_up


def test_after_warm_up_reverse_builds_nothing_in_any_language():
    clear_url_caches()
    with mock.patch.object(URLResolver, "_populate", autospec=True, side_effect=URLResolver._populate) as built:
        warm_up()
    assert built.call_count >= len(settings.LANGUAGES)  # it did the work...
    with mock.patch.object(URLResolver, "_populate", autospec=True) as built:
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                assert reverse("home") == "/"
                assert reverse("api-attempt-submit", args=[1]) == "/api/v1/attempts/1/submit/"
    built.assert_not_called()  # ...so the requests do not


def test_the_wsgi_module_warms_up():
    import importlib

    import lms.wsgi

    with mock.patch("lms.warmup.warm_up") as warm:
        importlib.reload(lms.wsgi)
    warm.assert_called_once_with()


def test_warm_up_finalises_the_celery_app_with_every_task():
    from lms.celery import app

    warm_up()
    assert app.finalized
    assert {"assessments.tasks.grade_submitted_attempts", "lms.tasks.relay_deferred_tasks"} <= set(app.tasks)

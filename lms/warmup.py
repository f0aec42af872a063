"""Work a web process does once at start instead of in its first requests.

Django builds the URL resolver's reverse table lazily, per language, on the first `reverse()` (about 100 ms of CPU
for our URLconf), and each thread that needs it before it is built builds it too. In a submit burst at the end of
a quiz every thread of every fresh worker did so at once; gunicorn workers now build it when they load the app.
Likewise the Celery app is finalised (its task registry built, reading package entry points) on first use."""

from django.conf import settings
from django.urls import get_resolver, reverse
from django.utils import translation

from lms.celery import app


def warm_up() -> None:
    app.finalize(auto=True)  # every app's tasks module is loaded already (LmsConfig.ready)
    get_resolver()  # the resolver itself, cached per URLconf
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            reverse("home")  # builds this language's reverse table

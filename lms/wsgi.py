import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.local")
application = get_wsgi_application()

from lms.warmup import warm_up  # noqa: E402 - needs the app loaded

warm_up()

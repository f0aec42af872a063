"""Celery tasks of the project app."""

from celery import shared_task

from lms import services
from lms.deferred import relay_deferred


@shared_task
def relay_deferred_tasks() -> int:
    """Send the tasks requests could not queue while the broker was down (see lms.deferred)."""
    return relay_deferred()


# smtplib's errors are OSErrors, like a refused connection: the mail server is down or busy, so try again later.
@shared_task(autoretry_for=(OSError,), retry_backoff=60, retry_backoff_max=900, max_retries=5)
def password_reset_mail_send(email: str, language: str) -> int:
    """Send the password reset mail(s) asked for on the reset page. Run twice, it sends a second working link;
    the reset itself still works once (a new password ends every link)."""
    return services.password_reset_mail_send(email=email, language=language)

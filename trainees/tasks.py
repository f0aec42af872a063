"""Celery tasks of trainees/: thin, by id."""

from celery import shared_task

from trainees import services


# smtplib's errors are OSErrors: the mail server is down or busy, so try again later.
@shared_task(autoretry_for=(OSError,), retry_backoff=60, retry_backoff_max=900, max_retries=5)
def person_welcome_mail_send(person_id: int, language: str) -> bool:
    """The welcome e-mail with a link to choose a password. Run twice, it sends a second working link; the first
    password chosen ends both (the person then has a usable password and later runs send nothing)."""
    return services.person_welcome_mail_send(person_id=person_id, language=language)

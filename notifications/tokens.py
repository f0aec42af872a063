"""Signed tokens of the one-click unsubscribe links in e-mails."""

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from notifications.kinds import KINDS

# Kept from before the apps were layered (this module was trainees.notifications): links already sent stay valid.
UNSUBSCRIBE_SALT = "trainees.notifications.unsubscribe"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(*, token: str) -> tuple[int, str]:
    """(user id, kind) from a token. A tampered or foreign token raises ValidationError."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, kind = int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ValidationError(_("This unsubscribe link is not valid.")) from exc
    if kind not in KINDS:
        raise ValidationError(_("This unsubscribe link is not valid."))
    return user_id, kind

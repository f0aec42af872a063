"""What can be notified. Each kind knows how to title itself from the notification's stored context.

Titles are rendered when shown, in the reader's language, so a stored notification can be read in zh-hans or en.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    code: str
    label: object  # lazy str
    title: Callable[[dict], str]
    body: Callable[[dict], str] = field(default=lambda ctx: "")
    email_default: bool = True  # e-mail on unless the person switched it off
    in_app: bool = True  # shown in the notification centre
    user_configurable: bool = True  # listed on the preferences page (and unsubscribable)
    details: Callable[[dict], list[str]] = field(default=lambda ctx: [])  # extra lines (digests' lists)


def _fmt(text: str, ctx: dict) -> str:
    try:
        return text % ctx
    except (KeyError, TypeError, ValueError):
        return text


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> Kind:
    return KINDS.get(code) or Kind(code=code, label=code, title=lambda ctx: ctx.get("title", code))


def configurable_kinds() -> list[Kind]:
    return [k for k in KINDS.values() if k.user_configurable]


# Salespeople.
register_kind(
    Kind(
        "assigned",
        _("New assignment"),
        lambda c: _fmt(gettext("New learning task: %(title)s"), c),
        lambda c: _fmt(gettext("Due on %(due_date)s."), c) if c.get("due_date") else "",
    )
)
register_kind(
    Kind(
        "due_soon",
        _("Due soon"),
        lambda c: _fmt(gettext("%(title)s is due in %(days)s day(s)"), c),
        lambda c: _fmt(gettext("Due on %(due_date)s."), c),
    )
)
register_kind(
    Kind(
        "overdue",
        _("Overdue"),
        lambda c: _fmt(gettext("%(title)s is overdue"), c),
        lambda c: _fmt(gettext("It was due on %(due_date)s."), c),
    )
)
register_kind(
    Kind(
        "session_tomorrow",
        _("Training session tomorrow"),
        lambda c: _fmt(gettext("Tomorrow: %(title)s"), c),
        lambda c: _fmt(gettext("%(date)s %(start)s-%(end)s, room %(room)s. Please bring: %(bring)s"), c),
    )
)
register_kind(
    Kind(
        "quiz_graded",
        _("Quiz graded"),
        lambda c: _fmt(gettext("Your answers to %(title)s were graded"), c),
        lambda c: _fmt(gettext("Score: %(score)s."), c),
    )
)
register_kind(
    Kind(
        "certificate_expiring",
        _("Certificate expiring"),
        lambda c: _fmt(gettext("Your certificate %(title)s expires on %(expires_on)s"), c),
        lambda c: gettext("Open the course and choose Renew to take it again and earn a new certificate."),
    )
)
# The dashboard's one-click nudge: a manager asks an overdue person to catch up (at most once a day per person).
register_kind(
    Kind(
        "overdue_nudge",
        _("Reminder from your manager"),
        lambda c: _fmt(gettext("%(manager)s reminds you: %(count)s overdue learning task(s)"), c),
        lambda c: gettext("Please catch up on them as soon as you can."),
        details=lambda c: [_fmt(gettext("%(title)s (due %(due_date)s)"), row) for row in c.get("items", [])],
    )
)
# Managers.
register_kind(
    Kind(
        "manager_escalation",
        _("Team member overdue (7 days)"),
        lambda c: _fmt(gettext("%(person)s is 7 days overdue on %(title)s"), c),
        lambda c: _fmt(gettext("It was due on %(due_date)s."), c),
    )
)
register_kind(
    Kind(
        "manager_weekly_digest",
        _("Weekly team digest"),
        lambda c: _fmt(gettext("Weekly digest for %(week)s"), c),
        lambda c: _fmt(
            gettext("Completion %(completion)s%%, %(overdue_count)s overdue."),
            {"completion": c.get("completion", 0), "overdue_count": c.get("overdue_count", 0)},
        ),
        details=lambda c: (
            [_fmt(gettext("Overdue: %(person)s, %(title)s (due %(due_date)s)"), row) for row in c.get("overdue", [])]
            + [_fmt(gettext("Lowest score: %(person)s, %(score)s"), row) for row in c.get("lowest", [])]
        ),
    )
)
# Trainers.
register_kind(
    Kind(
        "trainer_grading_digest",
        _("Answers waiting for grading"),
        lambda c: _fmt(gettext("%(count)s answer(s) are waiting for grading"), c),
    )
)
# Everyone.
register_kind(
    Kind(
        "welcome",
        _("Welcome"),
        lambda c: gettext("Welcome to the sales-training platform"),
        lambda c: gettext("Reminders about your learning will appear here and by e-mail."),
    )
)
register_kind(
    Kind(
        "test",
        _("Test notification"),
        lambda c: gettext("Test notification"),
        lambda c: gettext("If you can read this, notifications reach you."),
    )
)
# The daily e-mail that gathers the kinds someone asked to receive as a digest. E-mail only.
register_kind(
    Kind(
        "daily_digest",
        _("Daily digest"),
        lambda c: _fmt(gettext("Your notifications of %(date)s"), c),
        in_app=False,
        user_configurable=False,
    )
)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    nav_items: tuple = ()

    def ready(self) -> None:
        from assessments import hooks as assessments_hooks
        from learning import hooks as learning_hooks
        from notifications import checks, domain_rules, rules  # noqa: F401 - checks registers the system checks
        from notifications.context import UnreadNavLabel
        from practice import hooks as practice_hooks

        # "Notifications" with the unread badge, for everyone signed in.
        self.nav_items = (
            {"label": UnreadNavLabel(), "url": "notifications:list", "roles": ("*",), "order": 95, "group": "account"},
        )
        # The reminder rules the scans run: the welcome of new people, then those over the learning models.
        rules.register_rule("welcome_new_people", rules.rule_welcome, chunk_source=rules.welcome_source)
        domain_rules.register_rules()
        # Notices of events below, written in the event's transaction (the outbox's unique key absorbs repeats).
        learning_hooks.enrollments_assigned.register(domain_rules.notify_assigned)
        learning_hooks.overdue_reminder.register(domain_rules.notify_overdue_nudge)
        learning_hooks.enrollments_reassigned.register(domain_rules.notify_reassigned)
        practice_hooks.scenarios_assigned.register(domain_rules.notify_practice_assigned)
        assessments_hooks.quizzes_assigned.register(domain_rules.notify_quiz_assigned)
        assessments_hooks.attempt_graded_by_hand.register(domain_rules.notify_quiz_graded)
        assessments_hooks.attempt_request_decided.register(domain_rules.notify_attempt_request_decided)
        practice_hooks.comment_added.register(domain_rules.notify_practice_comment)
        practice_hooks.score_overridden.register(domain_rules.notify_practice_override)

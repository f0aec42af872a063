"""Reminders and notifications: an outbox of `Notification` rows, delivered in-app and by e-mail (and webhooks).

Entry points: `services.notify` / `services.notify_many` (write in the caller's transaction), `rules.register_rule`
(set-based reminder rules run by `tasks.scan_due_reminders`), `tasks.dispatch_notifications` (sends the outbox).
"""

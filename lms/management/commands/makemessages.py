"""makemessages without fuzzy matching: a guessed ("fuzzy") translation of a new string is worse than none,
because the i18n test and `scripts/i18n.py missing` then list it for a real translation."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

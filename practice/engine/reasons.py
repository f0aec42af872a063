"""Why the scorer decided what it did, stored as codes with parameters and rendered in the viewer's language.

A scorecard is computed once and read many times, by a salesperson in Chinese and a manager in English: so the
scorer stores `{"code": "kp.missed", "params": {...}}` on every piece of evidence, never a sentence, and the pages
and the API render it with `render()` in the language of the request. Scorecards stored before the codes (they
hold a rendered `reason`) still show that text.

Similarity numbers are never part of a learner's reason: they are stored apart (`numbers` on the evidence) and
shown to trainers and managers only.
"""

from django.utils.translation import gettext_lazy as _

from practice.labels import TOPIC_LABELS

# why a key point was not credited
WHY = {
    "off_topic": _("nothing you said was about this point"),
    "not_stated": _("you touched on it but did not state it"),
    "asked_not_told": _("you asked about it instead of explaining it"),
    "told_not_asked": _("you talked about it instead of asking the customer"),
    "too_short": _("the reply was too short to state it"),
    "counter_example": _("it sounds like a typical wrong answer"),
    "opposite": _("it says the opposite of the point"),
}

COMPLIANCE_RULES = {
    "financial_promise": _("promise of returns or of no risk"),
    "absolute_claim": _("absolute claim the advertising law forbids"),
    "efficacy_promise": _("promise of an effect that cannot be guaranteed"),
    "pressure": _("pressure selling"),
    "disparagement": _("disparaging a competitor"),
    "custom": _("a phrase this scenario forbids"),
}

TEMPLATES = {
    # key points
    "kp.covered": _("states “%(point)s”"),
    "kp.partial": _("states part of “%(point)s”: still missing %(missing)s"),
    "kp.missed": _("“%(point)s” not covered: %(why)s"),
    "kp.contradicted": _("contradicts “%(point)s”: %(why)s"),
    "kp.sub_covered": _("states “%(point)s”"),
    # objections
    "objection.acknowledged": _("acknowledges the objection “%(objection)s”"),
    "objection.answered": _("answers with “%(point)s”"),
    "objection.model_answer": _("close to the model answer"),
    "objection.checked": _("checks back with the customer"),
    # compliance
    "compliance.hit": _("“%(match)s”: %(rule)s"),
    "compliance.hit_note": _("“%(match)s”: %(rule)s (%(note)s)"),
    # discovery
    "discovery.open_question": _("open question"),
    "discovery.topic": _("asks about %(topic)s"),
    # empathy
    "empathy.rude": _("impolite: “%(word)s”"),
    "empathy.shows": _("shows empathy"),
    # conciseness
    "conciseness.long": _("long turn (%(n)s words)"),
    "conciseness.filler": _("filler words: %(words)s"),
    # close
    "close.concrete": _("proposes a concrete next step"),
    "close.next_step": _("proposes a next step"),
}


def _param(key: str, value):
    """Parameters that are codes are rendered too (the why of a miss, a compliance rule, a discovery topic)."""
    if key == "why":
        return WHY.get(value, value)
    if key == "rule":
        return COMPLIANCE_RULES.get(value, value)
    if key == "topic":
        return TOPIC_LABELS.get(value, value)
    if key == "missing" and isinstance(value, list):
        return "、".join(f"“{v}”" for v in value)
    return value


def render(evidence: dict) -> str:
    """The reason of one piece of evidence in the active language."""
    code = evidence.get("code")
    template = TEMPLATES.get(code or "")
    if template is None:
        return str(evidence.get("reason", ""))
    params = {k: _param(k, v) for k, v in (evidence.get("params") or {}).items()}
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):  # a scorecard of a newer version with other parameters
        return str(template)

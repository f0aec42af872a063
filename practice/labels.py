from django.utils.translation import gettext_lazy as _

DIMENSION_LABELS = {
    "key_points": _("Key points covered"),
    "objections": _("Objection handling"),
    "compliance": _("Compliance"),
    "discovery": _("Discovery questions"),
    "empathy": _("Politeness and empathy"),
    "conciseness": _("Conciseness"),
    "close": _("Next step and close"),
}
BAND_LABELS = {"good": _("Good"), "fair": _("Fair"), "poor": _("Poor"), "n/a": _("Not applicable")}
BAND_CSS = {"good": "success", "fair": "warning", "poor": "danger", "n/a": "secondary"}
DRILL_TIPS = {
    "key_points": _("Rehearse the key points of this scenario until you cover each in your own words."),
    "objections": _("Handle each objection in three steps: acknowledge it, answer it, then check back."),
    "compliance": _("Never promise returns or “no risk”; say what cannot be guaranteed."),
    "discovery": _("Ask more open questions: needs, budget, who decides, and by when."),
    "empathy": _("Use polite forms and show you understand the customer's concern before answering."),
    "conciseness": _("Keep each turn short and drop filler words such as 嗯, 那个, 就是说."),
    "close": _("End with a concrete next step: a visit, a sample or a proposal, with a date."),
}


# The three subjects a discovery question should reach (scoring.TOPICS holds the words for each).
TOPIC_LABELS = {"budget": _("budget"), "decision": _("the decision-maker"), "timeline": _("timing")}

# How a key point came out on the scorecard (practice.engine.points.POINT_STATES).
POINT_STATE_LABELS = {
    "covered": _("Covered"),
    "partial": _("Partly covered"),
    "missed": _("Missed"),
    "contradicted": _("Contradicted"),
}
POINT_STATE_CSS = {"covered": "success", "partial": "warning", "missed": "secondary", "contradicted": "danger"}
POINT_STATE_ICONS = {"covered": "✓", "partial": "◐", "missed": "✗", "contradicted": "⚠"}
SEVERITY_LABELS = {"blocker": _("fails the session"), "warning": _("costs points")}

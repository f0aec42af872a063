"""Reads for role-play practice. Object access goes through the *_get_for_user functions: "not yours" and
"does not exist" both answer 404."""

import json
import re
from collections import defaultdict
from datetime import timedelta

from django.db.models import Avg, Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.course_selectors import courses_for_author
from courses.models import Course
from learning.models import Enrollment
from learning.requirements import Requirement, RequirementState
from lms.ids import parse_id
from lms.roles import MANAGER, TRAINER, has_role, is_admin
from practice.engine.reasons import COMPLIANCE_RULES, WHY, render
from practice.engine.scoring import SCORER_VERSION, band_for
from practice.engine.semantic import describe_backend
from practice.engine.spec import DIMENSIONS, rubric_of
from practice.engine.text import split_sentences
from practice.labels import (
    BAND_CSS,
    BAND_LABELS,
    DIMENSION_LABELS,
    DRILL_TIPS,
    POINT_STATE_CSS,
    POINT_STATE_ICONS,
    POINT_STATE_LABELS,
    SEVERITY_LABELS,
)
from practice.models import (
    CoachingComment,
    PracticeAssignment,
    PracticeSession,
    Scenario,
    ScenarioRequirement,
    ScoreOverride,
    Turn,
)
from practice.services import IMPORT_FORMAT, SCENARIO_FIELDS, dimension_adjustments
from trainees.selectors import managed_team_ids

# Which topic area to study when a dimension is weak (the key points follow the scenario's own category).
DIMENSION_CATEGORY = {
    "objections": "sales-skills",
    "discovery": "sales-skills",
    "empathy": "sales-skills",
    "conciseness": "sales-skills",
    "close": "sales-skills",
    "compliance": "company",
}


def can_author(user) -> bool:
    return is_admin(user) or has_role(user, TRAINER)


# --- scenarios -------------------------------------------------------------------------------------------


def scenarios_for_user(*, user) -> QuerySet[Scenario]:
    qs = Scenario.objects.select_related("category", "competency")
    if can_author(user):
        return qs
    return qs.filter(status=Scenario.Status.PUBLISHED)


def scenario_get_for_user(*, user, scenario_id) -> Scenario:
    try:
        return scenarios_for_user(user=user).get(id=scenario_id)
    except (Scenario.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def scenarios_for_editing(*, user) -> QuerySet[Scenario]:
    """What a trainer may edit and try: their own scenarios and the shared ones nobody owns (the shipped library);
    admins edit all. Another trainer's scenario is not theirs to change."""
    if not can_author(user):
        return Scenario.objects.none()
    qs = Scenario.objects.select_related("category", "competency")
    if is_admin(user):
        return qs
    return qs.filter(Q(created_by=user) | Q(created_by__isnull=True))


def scenario_get_for_editing(*, user, scenario_id) -> Scenario:
    try:
        return scenarios_for_editing(user=user).get(id=scenario_id)
    except (Scenario.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def scenario_list(*, user, language: str = "", category: str = "", difficulty: str = "") -> QuerySet[Scenario]:
    qs = scenarios_for_user(user=user)
    if language:
        qs = qs.filter(language=language)
    if category:
        qs = qs.filter(category__code=category)
    if difficulty:
        qs = qs.filter(difficulty=difficulty)
    return qs.order_by("language", "title", "id")


def scenario_export_data(*, scenarios) -> dict:
    items = []
    for s in scenarios:
        item = {name: getattr(s, name) for name in SCENARIO_FIELDS}
        item["category"] = s.category.code if s.category_id else None
        item["competency"] = s.competency.code if s.competency_id else None
        item["variant_of"] = s.variant_of.code if s.variant_of_id else None
        item["spec"] = s.spec
        items.append(item)
    return {"format": IMPORT_FORMAT, "version": 1, "scenarios": items}


# --- sessions --------------------------------------------------------------------------------------------


def sessions_visible_to(*, user) -> QuerySet[PracticeSession]:
    """Own sessions, those of people in the teams the user manages (with sub-teams), and for a trainer those of
    the scenarios they wrote (they review and coach them)."""
    qs = PracticeSession.objects.select_related("scenario", "user", "user__team")
    if is_admin(user):
        return qs
    q = Q(user_id=user.id)
    teams = managed_team_ids(user=user)
    if teams:
        # a trainer's trial of their own scenario is theirs alone: it is not practice their manager reviews
        q |= Q(user__team_id__in=teams, is_trial=False)
    if has_role(user, TRAINER):
        q |= Q(scenario__created_by_id=user.id, is_trial=False)
    return qs.filter(q)


def session_get_for_user(*, user, session_id) -> PracticeSession:
    try:
        return sessions_visible_to(user=user).get(id=session_id)
    except (PracticeSession.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def session_get_own(*, user, session_id) -> PracticeSession:
    """For talking and finishing: only the salesperson who practises."""
    try:
        return PracticeSession.objects.select_related("scenario").get(id=session_id, user_id=user.id)
    except (PracticeSession.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_coach(*, user, session: PracticeSession) -> bool:
    """A manager of the person's team, the scenario's trainer (its author) or an admin comments and re-scores;
    never the person themself, and nobody but the person on a trial."""
    if session.user_id == user.id or not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    if session.is_trial:
        return False
    if has_role(user, TRAINER) and session.scenario.created_by_id == user.id:
        return True
    return session.user.team_id in managed_team_ids(user=user)


def session_get_for_coaching(*, user, session_id) -> PracticeSession:
    """For commenting and re-scoring: a session the user may coach (404 otherwise, as for a session not theirs)."""
    session = session_get_for_user(user=user, session_id=session_id)
    if not can_coach(user=user, session=session):
        raise Http404
    return session


def coaching_of(*, session: PracticeSession) -> dict:
    """The comments and corrections of a session as everyone allowed to read it sees them (the salesperson too):
    {"comments": [{"author", "at", "body"}], "corrections": [{"author", "at", "before", "after", "passed",
    "dimensions": [{"code", "label", "before", "after", "reason"}]}] newest first, "adjusted": {code: the latest
    DimensionOverride}}. Uses prefetched `comments__author` and `overrides__author`/`overrides__dimensions`
    when there (two queries otherwise)."""
    comments = [
        {"author": _person(c.author), "at": c.created_at, "body": c.body}
        for c in sorted(session.comments.all(), key=lambda c: (c.created_at, c.pk))
    ]
    overrides = list(session.overrides.all())
    corrections = []
    for o in sorted(overrides, key=lambda o: (o.created_at, o.pk), reverse=True):
        corrections.append(
            {
                "author": _person(o.author),
                "at": o.created_at,
                "before": o.previous_score if o.previous_score is not None else o.scorer_score,
                "after": o.score,
                "passed": o.passed,
                "reason": o.reason,
                "dimensions": [
                    {
                        "code": d.dimension,
                        "label": str(DIMENSION_LABELS.get(d.dimension, d.dimension)),
                        "before": d.before,
                        "after": d.after,
                        "reason": d.reason,
                    }
                    for d in o.dimensions.all()
                ],
            }
        )
    return {"comments": comments, "corrections": corrections, "adjusted": dimension_adjustments(overrides)}


def _person(user) -> str:
    return (getattr(user, "display_name", "") or user.get_username()) if user else ""


def coaching_prefetch() -> list:
    return [
        Prefetch("comments", queryset=CoachingComment.objects.select_related("author")),
        Prefetch("overrides", queryset=ScoreOverride.objects.select_related("author").prefetch_related("dimensions")),
    ]


def session_history(*, user, with_coaching: bool = False) -> QuerySet[PracticeSession]:
    """One's own sessions, newest first; `with_coaching` marks those a coach commented on (`commented`) or
    re-scored (`adjusted`), for the history list."""
    qs = (
        PracticeSession.objects.filter(user_id=user.id)
        .select_related("scenario")
        .defer("scorecard")
        .order_by("-started_at", "-id")
    )
    if with_coaching:
        qs = qs.annotate(
            commented=Exists(CoachingComment.objects.filter(session_id=OuterRef("pk"))),
            adjusted=Exists(ScoreOverride.objects.filter(session_id=OuterRef("pk"))),
        )
    return qs


def session_list(*, user, limit: int = 100) -> list[PracticeSession]:
    """One's own sessions with their scorecards and turns (for the API list: two queries, whatever the count)."""
    turns = Prefetch("turns", queryset=Turn.objects.order_by("index"))
    qs = session_history(user=user).defer(None).select_related("user").prefetch_related(turns, *coaching_prefetch())
    return list(qs[:limit])


def best_scores(*, user) -> list[dict]:
    """Per scenario: attempts, best score, passed at least once (trials do not count)."""
    rows = (
        PracticeSession.objects.filter(user_id=user.id, status=PracticeSession.Status.FINISHED, is_trial=False)
        .values("scenario_id", "scenario__title")
        .annotate(attempts=Count("id"), best=Max("score"), passes=Count("id", filter=Q(passed=True)))
        .order_by("scenario__title")
    )
    return [
        {
            "scenario_id": r["scenario_id"],
            "title": r["scenario__title"],
            "attempts": r["attempts"],
            "best": r["best"],
            "passed": r["passes"] > 0,
        }
        for r in rows
    ]


def team_sessions(*, user, team_id: int | None = None, person_id: int | None = None) -> QuerySet[PracticeSession]:
    """Sessions of the people a manager manages (never their own list here, never trials)."""
    qs = sessions_visible_to(user=user).exclude(user_id=user.id).filter(is_trial=False).defer("scorecard")
    if team_id:
        qs = qs.filter(user__team_id=team_id)
    if person_id:
        qs = qs.filter(user_id=person_id)
    return qs.annotate(
        comment_count=Count("comments", distinct=True), override_count=Count("overrides", distinct=True)
    ).order_by("-started_at", "-id")


def team_summary(*, user, team_id: int | None = None) -> list[dict]:
    """Per person in the manager's teams: sessions, finished, average and best score, passes, last practice."""
    qs = team_sessions(user=user, team_id=team_id).order_by()
    finished = Q(status=PracticeSession.Status.FINISHED)
    rows = (
        qs.values("user_id", "user__display_name", "user__username", "user__team__full_name")
        .annotate(
            sessions=Count("id", distinct=True),
            finished=Count("id", filter=finished, distinct=True),
            average=Avg("score", filter=finished),
            best=Max("score", filter=finished),
            passes=Count("id", filter=finished & Q(passed=True), distinct=True),
            last=Max("started_at"),
        )
        .order_by("user__team__full_name", "user__display_name", "user_id")
    )
    return [
        {
            "name": r["user__display_name"] or r["user__username"],
            "team": r["user__team__full_name"],
            "sessions": r["sessions"],
            "finished": r["finished"],
            "average": round(r["average"]) if r["average"] is not None else None,
            "best": r["best"],
            "passes": r["passes"],
            "last": r["last"],
        }
        for r in rows
    ]


def transcript(*, session: PracticeSession, numbers: bool = False) -> list[dict]:
    """Turns with each trainee sentence tagged by the evidence that quotes it (for highlighting). A quote that
    spans two sentences tags both. With `numbers` (see `can_see_numbers`), each customer turn carries the trace of
    how the customer chose its line."""
    marks: dict[int, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for code, dim in ((session.scorecard or {}).get("dimensions") or {}).items():
        for ev in dim.get("evidence") or []:
            if not isinstance(ev, dict) or not isinstance(ev.get("quote"), str):
                continue
            tag = {"dimension": code, "kind": ev.get("kind", ""), "reason": evidence_reason(ev, numbers=numbers)}
            quotes = {ev["quote"], *split_sentences(ev["quote"])}
            for quote in quotes:
                marks[ev.get("turn")][quote].append(tag)
    rows = []
    for turn in session.turns.order_by("index"):
        segments = []
        if turn.speaker == Turn.Speaker.TRAINEE:
            whole = marks[turn.index].get(turn.text[:80] + "…", [])
            for sentence in split_sentences(turn.text):
                tags = marks[turn.index].get(sentence, [])
                segments.append({"text": sentence, "tags": tags, "kinds": sorted({t["kind"] for t in tags})})
            if whole and segments:
                segments[-1]["tags"] = segments[-1]["tags"] + whole
        else:
            segments.append({"text": turn.text, "tags": [], "kinds": []})
        trace = trace_rows(turn) if numbers and turn.speaker == Turn.Speaker.CUSTOMER else None
        rows.append({"turn": turn, "segments": segments, "trace": trace})
    return rows


# --- the scorecard, as the viewer reads it ---------------------------------------------------------------
#
# The scorer stores codes (practice.engine.reasons) and numbers; these functions turn a stored scorecard into what
# one viewer reads, in the active language. A learner gets reasons in words; the scorer's similarity numbers, node
# ids and the customer's trace go only to those `can_see_numbers` allows.

POINT_STATES = tuple(POINT_STATE_LABELS)  # covered, partial, missed, contradicted
# "(semantic 0.62, words 0.40)" in the rendered reasons of scorecards stored before the codes
_NUMBERS_IN_REASON = re.compile(r"\s*[（(][^()（）]*\d[.,]\d+[^()（）]*[)）]")


def can_see_numbers(*, user, session: PracticeSession) -> bool:
    """Scenario editors (trainers), admins and the person's managers may open the scorer's numbers and the
    customer's trace; the salesperson reads the reasons in words."""
    if is_admin(user) or can_author(user):
        return True
    return session.user_id != user.id and session.user.team_id in managed_team_ids(user=user)


def evidence_reason(ev: dict, *, numbers: bool) -> str:
    text = render(ev)
    if not numbers and not ev.get("code"):
        text = _NUMBERS_IN_REASON.sub("", text)
    return text


def _numbers_of(value) -> dict | None:
    if not isinstance(value, dict):
        return None
    out = {k: v for k, v in value.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return out or None


def evidence_row(ev: dict, *, numbers: bool) -> dict:
    return {
        "turn": ev.get("turn"),
        "quote": ev.get("quote") or "",
        "kind": ev.get("kind") or "",
        "code": ev.get("code") or "",
        "reason": evidence_reason(ev, numbers=numbers),
        "severity": ev.get("severity") or "",
        "numbers": _numbers_of(ev.get("numbers")) if numbers else None,
    }


def _state_row(state: str) -> dict:
    state = state if state in POINT_STATES else "missed"
    return {
        "state": state,
        "state_label": str(POINT_STATE_LABELS[state]),
        "icon": POINT_STATE_ICONS[state],
        "css": POINT_STATE_CSS[state],
    }


def _why_text(why) -> str:
    return str(WHY.get(why, "")) if why else ""


def key_point_rows(*, card: dict, spec: dict, numbers: bool) -> list[dict]:
    """Each key point with its state, the sentence behind it and why, and its parts (a compound point). Scorecards
    stored before the states (only covered codes and missed texts) give covered and missed rows."""
    details = (((card or {}).get("dimensions") or {}).get("key_points") or {}).get("details") or {}
    points = details.get("points")
    rows = []
    if isinstance(points, list):
        for point in points:
            if not isinstance(point, dict):
                continue
            subs = []
            for sub in point.get("sub_points") or []:
                subs.append(
                    {
                        "text": sub.get("text", ""),
                        **_state_row(sub.get("state", "missed")),
                        "quote": sub.get("quote"),
                        "turn": sub.get("turn"),
                        "numbers": _numbers_of(sub.get("numbers")) if numbers else None,
                    }
                )
            row = {
                "code": point.get("code", ""),
                "text": point.get("text", ""),
                **_state_row(point.get("state", "missed")),
                "credit": point.get("credit", 0),
                "quote": point.get("quote"),
                "turn": point.get("turn"),
                "why": point.get("why"),
                "why_text": _why_text(point.get("why")),
                "sub_points": subs,
                "covered_parts": [s["text"] for s in subs if s["state"] == "covered"],
                "missing_parts": [s["text"] for s in subs if s["state"] != "covered"],
                "numbers": _numbers_of(point.get("numbers")) if numbers else None,
                "judged_by_llm": bool(point.get("judge")) if numbers else False,
            }
            rows.append(row)
        return rows
    canonical = {kp.get("code"): kp.get("canonical", "") for kp in (spec or {}).get("key_points") or []}
    for code in details.get("covered") or []:
        rows.append({"code": code, "text": canonical.get(code, code), **_state_row("covered")})
    by_text = {text: code for code, text in canonical.items()}
    for text in details.get("missed") or []:
        rows.append({"code": by_text.get(text, ""), "text": text, **_state_row("missed")})
    for row in rows:
        row.update(
            credit=1.0 if row["state"] == "covered" else 0.0,
            quote=None,
            turn=None,
            why=None,
            why_text="",
            sub_points=[],
            covered_parts=[],
            missing_parts=[],
            numbers=None,
            judged_by_llm=False,
        )
    return rows


def key_point_states(rows: list[dict]) -> dict[str, list[str]]:
    return {state: [r["code"] for r in rows if r["state"] == state] for state in POINT_STATES}


def compliance_rows(*, card: dict, numbers: bool) -> list[dict]:
    """Every forbidden phrase found (blockers and warnings): the sentence, the words, the rule and why."""
    card = card or {}
    evidence = ((card.get("dimensions") or {}).get("compliance") or {}).get("evidence")
    if not evidence:
        evidence = card.get("compliance_evidence") or []
    rows = []
    for ev in evidence:
        if not isinstance(ev, dict):
            continue
        params = ev.get("params") or {}
        severity = ev.get("severity") or ""
        rows.append(
            {
                **evidence_row(ev, numbers=numbers),
                "match": params.get("match", ""),
                "rule": params.get("rule", ""),
                "rule_label": str(COMPLIANCE_RULES.get(params.get("rule", ""), "")),
                "note": params.get("note", ""),
                "severity_label": str(SEVERITY_LABELS.get(severity, "")),
            }
        )
    return rows


def recommendations(*, card: dict, limit: int = 3) -> list[dict]:
    """What to drill: the weakest dimension first, then the other poor ones (DRILL_TIPS)."""
    card = card or {}
    dims = card.get("dimensions") or {}
    weakest = card.get("weakest")
    order = [weakest] if weakest in DRILL_TIPS else []
    poor = sorted(
        (d for d in dims.values() if isinstance(d, dict) and d.get("band") == "poor" and d.get("weight")),
        key=lambda d: (d.get("score") or 0, -(d.get("weight") or 0)),
    )
    order += [d["code"] for d in poor if d.get("code") in DRILL_TIPS and d["code"] not in order]
    return [
        {"dimension": code, "label": str(DIMENSION_LABELS[code]), "tip": str(DRILL_TIPS[code])}
        for code in order[:limit]
    ]


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def trace_rows(turn: Turn) -> dict:
    """How the customer chose this line, for trainers: the node, the way it matched, the branches it weighed
    (when the trace lists them: each with its similarities, the chosen one marked) and whatever else the customer
    backend recorded (the thresholds, a keyword, an LLM error), as {"items": [(key, text)], "branches": [...]}."""
    trace = dict(turn.trace) if isinstance(turn.trace, dict) else {}
    items = [("node", turn.node_id), ("matched_by", turn.matched_by), ("objection", turn.objection)]
    branches = []
    names = trace.get("branches")
    if isinstance(names, list):
        trace.pop("branches")
        columns = {k: trace.pop(k) for k in ("semantic", "lexical", "scores") if isinstance(trace.get(k), list)}
        chosen = trace.pop("chosen", None)
        for i, name in enumerate(names):
            row = {"to": _shown(name), "chosen": name == chosen}
            for key, values in columns.items():
                row[key] = values[i] if i < len(values) else None
            branches.append(row)
    items += [(str(key), _shown(value)) for key, value in trace.items()]
    return {"items": [(k, v) for k, v in items if v not in ("", None, "{}", "[]")], "branches": branches}


def scorecard_view(*, session: PracticeSession, numbers: bool) -> dict:
    """The stored scorecard as this viewer reads it (pages and API alike)."""
    card = session.scorecard or {}
    dims = card.get("dimensions") or {}
    order = card.get("order") or list(DIMENSIONS)
    adjusted = dimension_adjustments(session.overrides.all())
    thresholds = rubric_of(session.scenario.spec)["thresholds"]
    dimensions = []
    for code in order:
        dim = dims.get(code)
        if not isinstance(dim, dict):
            continue
        score, band, adjustment = dim.get("score"), dim.get("band", ""), None
        if code in adjusted:
            row = adjusted[code]
            score, band = row.after, band_for(row.after, thresholds)
            adjustment = {
                "scorer_score": dim.get("score"),
                "before": row.before,
                "reason": row.reason,
                "by": _person(row.override.author),
                "at": row.override.created_at,
            }
        dimensions.append(
            {
                "code": code,
                "label": str(DIMENSION_LABELS.get(code, code)),
                "score": score,
                "band": band,
                "band_label": str(BAND_LABELS.get(band, "")),
                "css": BAND_CSS.get(band, "secondary"),
                "weight": dim.get("weight", 0),
                "evidence": [evidence_row(ev, numbers=numbers) for ev in dim.get("evidence") or []],
                "adjusted": adjustment is not None,
                "adjustment": adjustment,
            }
        )
    points = key_point_rows(card=card, spec=session.scenario.spec, numbers=numbers)
    view = {
        "dimensions": dimensions,
        "key_points": points,
        "key_point_states": key_point_states(points),
        "compliance": compliance_rows(card=card, numbers=numbers),
        "blockers": [evidence_row(ev, numbers=numbers) for ev in card.get("compliance_evidence") or []],
        "recommendations": recommendations(card=card),
        "numbers": numbers,
        "scorer": None,
    }
    if numbers and card:
        rubric = rubric_of(session.scenario.spec)
        view["scorer"] = {
            "scorer_version": card.get("scorer_version", ""),
            "model_version": card.get("model_version", ""),
            "semantic_threshold": rubric["semantic_threshold"],
            "lexical_threshold": rubric["lexical_threshold"],
            "fallback_lexical_threshold": rubric["fallback_lexical_threshold"],
            "pass_mark": rubric["pass_mark"],
        }
    return view


def drill_suggestions(*, session: PracticeSession) -> dict:
    """What to practise next: a variant of this scenario (harder if passed, easier or the same if not), and
    published courses of the category matching the weakest dimension."""
    card = session.scorecard or {}
    weakest = card.get("weakest")
    scenario = session.scenario
    variants = Scenario.objects.filter(status=Scenario.Status.PUBLISHED).exclude(id=scenario.id)
    family = Q(variant_of_id=scenario.id) | Q(id=scenario.variant_of_id or 0)
    if scenario.variant_of_id:
        family |= Q(variant_of_id=scenario.variant_of_id)
    same_category = Q(category_id=scenario.category_id) if scenario.category_id else Q(pk__in=[])
    candidates = list(variants.filter(family | same_category).select_related("category")[:20])
    order = {"easy": 0, "medium": 1, "hard": 2}
    wanted = order[scenario.difficulty] + (1 if session.passed else 0)
    candidates.sort(
        key=lambda s: (
            0 if (s.variant_of_id == scenario.id or s.id == scenario.variant_of_id) else 1,
            abs(order[s.difficulty] - wanted),
            0 if s.language == scenario.language else 1,
            s.title,
        )
    )
    category_code = DIMENSION_CATEGORY.get(weakest or "", None)
    courses = Course.objects.filter(status=Course.Status.PUBLISHED).select_related("category")
    if category_code:
        courses = courses.filter(category__code=category_code)
    elif scenario.category_id:
        courses = courses.filter(category_id=scenario.category_id)
    else:
        courses = courses.none()
    return {"weakest": weakest, "scenarios": candidates[:3], "courses": list(courses.order_by("title")[:3])}


# --- the trainer's home -----------------------------------------------------------------------------------

TRAINER_TODO_DAYS = 7


def todo_for_trainer(*, user, limit: int = 20, now=None) -> list[dict]:
    """Practice waiting for the trainer's review, for their home page: sessions of the scenarios they wrote that
    finished not passed in the last 7 days and that nobody has coached yet (no comment, no correction), newest
    first, at most `limit`. Trials and their own sessions are left out. Each {"title", "who", "when", "url"}: the
    scenario, the salesperson's name, when it finished (aware datetime) and the scorecard's address. Two queries
    (the user's roles, the sessions), whatever the number of rows."""
    if not (user.is_authenticated and (has_role(user, TRAINER) or is_admin(user))):
        return []
    since = (now or timezone.now()) - timedelta(days=TRAINER_TODO_DAYS)
    sessions = (
        PracticeSession.objects.filter(
            scenario__created_by_id=user.id,
            status=PracticeSession.Status.FINISHED,
            passed=False,
            is_trial=False,
            finished_at__gte=since,
        )
        .exclude(user_id=user.id)
        .exclude(Exists(CoachingComment.objects.filter(session_id=OuterRef("pk"))))
        .exclude(Exists(ScoreOverride.objects.filter(session_id=OuterRef("pk"))))
        .select_related("scenario", "user")
        .only("id", "finished_at", "scenario__title", "user__username", "user__display_name")
        .order_by("-finished_at", "-id")[:limit]
    )
    return [
        {
            "title": s.scenario.title,
            "who": _person(s.user),
            "when": s.finished_at,
            "url": reverse("practice:session", args=[s.id]),
        }
        for s in sessions
    ]


# --- requirements (course / plan completion) -------------------------------------------------------------


def _passed_exists(user_id: int):
    return Exists(
        PracticeSession.objects.filter(
            user_id=user_id,
            scenario_id=OuterRef("scenario_id"),
            status=PracticeSession.Status.FINISHED,
            passed=True,
            is_trial=False,
        )
    )


def required_scenarios_passed(user_id: int, course_id: int) -> bool:
    """True when the person has passed every scenario the course requires (or it requires none).
    For the course-completion rule: call it before marking an enrollment completed."""
    return not (
        ScenarioRequirement.objects.filter(course_id=course_id)
        .annotate(done=_passed_exists(user_id))
        .filter(done=False)
        .exists()
    )


def required_scenarios_passed_for_enrollment(*, enrollment) -> bool:
    """`learning.hooks.completion_requirement`: a course that requires role plays completes once they are passed."""
    return required_scenarios_passed(enrollment.user_id, enrollment.course_id)


def required_practice_requirement_rows(*, enrollment) -> list[Requirement]:
    """`learning.hooks.completion_requirement_rows`: one row per role play the enrollment's course requires, with
    the learner's best result against the pass mark in words and the way to practise it. Two queries, whatever the
    number of scenarios (the requirements with their scenarios, then the learner's results over all of them).
    Trials do not count; a plan enrollment has no rows here (its required role plays belong to the plan)."""
    if not getattr(enrollment, "course_id", None):
        return []
    requirements = list(
        ScenarioRequirement.objects.filter(course_id=enrollment.course_id)
        .select_related("scenario")
        .order_by("scenario__title", "id")
    )
    if not requirements:
        return []
    finished = Q(status=PracticeSession.Status.FINISHED)
    results = {
        r["scenario_id"]: r
        for r in PracticeSession.objects.filter(
            user_id=enrollment.user_id, scenario_id__in=[r.scenario_id for r in requirements], is_trial=False
        )
        .values("scenario_id")
        .annotate(
            finished=Count("id", filter=finished),
            best=Max("score", filter=finished),
            passes=Count("id", filter=finished & Q(passed=True)),
            open=Count("id", filter=Q(status=PracticeSession.Status.IN_PROGRESS)),
        )
        .order_by()
    }
    rows = []
    for requirement in requirements:
        scenario = requirement.scenario
        result = results.get(scenario.id) or {"finished": 0, "best": None, "passes": 0, "open": 0}
        pass_mark = scenario.pass_mark
        if result["finished"] and result["best"] is not None:
            detail = _("Best score %(best)s, pass mark %(pass_mark)s") % {
                "best": result["best"],
                "pass_mark": pass_mark,
            }
        else:
            detail = _("Not practised yet; pass mark %(pass_mark)s") % {"pass_mark": pass_mark}
        if result["passes"]:
            state, label = RequirementState.DONE, _("Practise again")
        elif result["finished"]:
            state, label = RequirementState.FAILED, _("Try again")
        else:
            state, label = RequirementState.TODO, _("Resume") if result["open"] else _("Start practice")
        url, help_text = reverse("practice:start", args=[scenario.id]), ""
        if scenario.status != Scenario.Status.PUBLISHED and state != RequirementState.DONE:
            # a required role play taken offline by its trainer: nothing the learner can do alone
            state, url, label = RequirementState.STUCK, "", ""
            help_text = _("This role play is not open for practice at the moment; ask your trainer.")
        rows.append(
            Requirement(
                kind="practice",
                title=scenario.title,
                state=state,
                detail=detail,
                action_url=url,
                action_label=str(label) if url else "",
                help_text=str(help_text),
                order=30,
                extra={"pass_mark": pass_mark, "best": result["best"]},
            )
        )
    return rows


def plan_required_scenarios_passed(user_id: int, plan_id: int, day: int | None = None) -> bool:
    """The same for a training plan (optionally one day of it, e.g. the day-4 role play)."""
    qs = ScenarioRequirement.objects.filter(plan_id=plan_id)
    if day is not None:
        qs = qs.filter(day=day)
    return not qs.annotate(done=_passed_exists(user_id)).filter(done=False).exists()


def requirements_of(*, user) -> dict[int, list[ScenarioRequirement]]:
    """Per scenario id, the requirements that apply to this person: those of the courses and plans they are enrolled
    in (not unenrolled). One query; for the practice home, which marks these scenarios as required."""
    enrolled = Enrollment.objects.filter(user_id=user.id, unenrolled_at__isnull=True)
    rows = (
        ScenarioRequirement.objects.filter(
            Q(course__isnull=False, course_id__in=enrolled.filter(course__isnull=False).values("course_id"))
            | Q(plan__isnull=False, plan_id__in=enrolled.filter(plan__isnull=False).values("plan_id"))
        )
        .select_related("course", "plan")
        .order_by("plan_id", "day", "course_id", "id")
    )
    out: dict[int, list[ScenarioRequirement]] = defaultdict(list)
    for row in rows:
        out[row.scenario_id].append(row)
    return dict(out)


# --- dashboards and calibration ---------------------------------------------------------------------------


def mastery(*, user_ids, by: str = "category") -> list[dict]:
    """Average score of finished sessions per category (or competency) for these people; for the manager
    dashboard's mastery view. Rows: {"code", "name_zh", "name_en", "average", "sessions"}."""
    field = "scenario__category" if by == "category" else "scenario__competency"
    rows = (
        PracticeSession.objects.filter(user_id__in=user_ids, status=PracticeSession.Status.FINISHED, is_trial=False)
        .exclude(**{f"{field}__isnull": True})
        .values(f"{field}__code", f"{field}__name_zh", f"{field}__name_en")
        .annotate(average=Avg("score"), sessions=Count("id"))
        .order_by(f"{field}__code")
    )
    return [
        {
            "code": r[f"{field}__code"],
            "name_zh": r[f"{field}__name_zh"],
            "name_en": r[f"{field}__name_en"],
            "average": round(r["average"] or 0, 1),
            "sessions": r["sessions"],
        }
        for r in rows
    ]


def override_agreement(*, scenario_id: int | None = None) -> dict:
    """How managers' overrides compare with the scorer: pass/fail agreement and mean absolute difference,
    overall and per scenario, with the latest overrides for reading."""
    qs = ScoreOverride.objects.filter(session__is_trial=False).select_related(
        "session__scenario", "session__user", "author"
    )
    if scenario_id:
        qs = qs.filter(session__scenario_id=scenario_id)
    overrides = list(qs.order_by("-created_at", "-id")[:500])
    per: dict[int, dict] = {}
    agree = 0
    diff = 0
    for o in overrides:
        scorer_passed = o.session.scorecard.get("passed", False)
        same = scorer_passed == o.passed
        agree += same
        diff += abs(o.score - o.scorer_score)
        row = per.setdefault(o.session.scenario_id, {"scenario": o.session.scenario, "count": 0, "agree": 0, "diff": 0})
        row["count"] += 1
        row["agree"] += same
        row["diff"] += abs(o.score - o.scorer_score)
    for row in per.values():
        row["agreement"] = round(100 * row["agree"] / row["count"])
        row["mean_diff"] = round(row["diff"] / row["count"], 1)
    n = len(overrides)
    return {
        "count": n,
        "agreement": round(100 * agree / n) if n else None,
        "mean_diff": round(diff / n, 1) if n else None,
        "scenarios": sorted(per.values(), key=lambda r: r["scenario"].title),
        "latest": overrides[:20],
        "scorer_version": SCORER_VERSION,
        "model_version": describe_backend(),
    }


def scenario_stats(*, scenario_ids) -> dict[int, dict]:
    rows = (
        PracticeSession.objects.filter(
            scenario_id__in=list(scenario_ids), status=PracticeSession.Status.FINISHED, is_trial=False
        )
        .values("scenario_id")
        .annotate(sessions=Count("id"), average=Avg("score"), passes=Count("id", filter=Q(passed=True)))
    )
    return {r["scenario_id"]: r for r in rows}


def is_manager(user) -> bool:
    return is_admin(user) or has_role(user, MANAGER)


# --- assignments (a manager's "practise this by then") -----------------------------------------------------

OPEN_ASSIGNMENTS_MAX = 20


def open_practice_assignments(*, user, today=None) -> list[dict]:
    """The person's open role-play assignments of published scenarios, soonest due first (undated last), for their
    home page: {"scenario_id", "title", "due" (a date or None), "overdue", "url" (the scenario on the practice page,
    where it starts)}. One query, at most OPEN_ASSIGNMENTS_MAX rows."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = today or timezone.localdate()
    rows = (
        PracticeAssignment.objects.filter(
            user_id=user.id, completed_at__isnull=True, scenario__status=Scenario.Status.PUBLISHED
        )
        .select_related("scenario")
        .only("id", "due_date", "scenario_id", "scenario__title")
        .order_by(F("due_date").asc(nulls_last=True), "id")[:OPEN_ASSIGNMENTS_MAX]
    )
    home = reverse("practice:home")
    return [
        {
            "scenario_id": a.scenario_id,
            "title": a.scenario.title,
            "due": a.due_date,
            "overdue": a.due_date is not None and a.due_date < today,
            "url": f"{home}#scenario-{a.scenario_id}",
        }
        for a in rows
    ]


# --- the course outline (courses.hooks.course_outline_activities / course_outline_add_actions) --------------


def course_outline_scenarios(*, user, course) -> list[dict]:
    """`courses.hooks.course_outline_activities`: the role plays the course requires, with their state and where the
    trainer opens them (the editor when they may edit it, else the scenario's start page). Two queries: the
    role, the rows."""
    if not can_author(user):
        return []
    editable = Exists(scenarios_for_editing(user=user).filter(pk=OuterRef("scenario_id")))
    requirements = (
        ScenarioRequirement.objects.filter(course_id=course.pk)
        .select_related("scenario")
        .annotate(may_edit=editable)
        .order_by("id")
    )
    rows = []
    for req in requirements:
        scenario, may_edit = req.scenario, req.may_edit
        rows.append(
            {
                "kind": _("Role play"),
                "title": scenario.title,
                "state": Scenario.Status(scenario.status).label,
                "published": scenario.status == Scenario.Status.PUBLISHED,
                "url": reverse("practice:scenario_edit", args=[scenario.id])
                if may_edit
                else reverse("practice:start", args=[scenario.id]),
                "preview_url": "",
            }
        )
    return rows


def course_outline_scenario_actions(*, user, course) -> list[dict]:
    """`courses.hooks.course_outline_add_actions`: a new role play that the course will require once saved."""
    if not can_author(user):
        return []
    return [{"label": _("Add a role play"), "url": f"{reverse('practice:scenario_new')}?course={course.pk}"}]


def course_for_new_scenario(*, user, raw) -> Course | None:
    """The course named by `?course=` on the new-scenario page, when the user may edit it; else None."""
    pk = parse_id(raw)
    return courses_for_author(user=user).filter(pk=pk).first() if pk else None

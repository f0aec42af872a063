"""Reads for role-play practice. Object access goes through the *_get_for_user functions: "not yours" and
"does not exist" both answer 404."""

from collections import defaultdict

from django.db.models import Avg, Count, Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404

from courses.models import Course
from learning.models import Enrollment
from lms.roles import MANAGER, TRAINER, has_role, is_admin
from practice.engine.scoring import SCORER_VERSION
from practice.engine.semantic import describe_backend
from practice.engine.spec import DIMENSIONS
from practice.engine.text import split_sentences
from practice.models import PracticeSession, Scenario, ScenarioRequirement, ScoreOverride, Turn
from practice.services import IMPORT_FORMAT, SCENARIO_FIELDS
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


def scenario_get_for_editing(*, user, scenario_id) -> Scenario:
    if not can_author(user):
        raise Http404
    return scenario_get_for_user(user=user, scenario_id=scenario_id)


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
    """Own sessions, and those of people in the teams the user manages (with sub-teams)."""
    qs = PracticeSession.objects.select_related("scenario", "user", "user__team")
    if is_admin(user):
        return qs
    q = Q(user_id=user.id)
    teams = managed_team_ids(user=user)
    if teams:
        q |= Q(user__team_id__in=teams)
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
    """Managers of the person (not the person themself) comment and override."""
    if session.user_id == user.id:
        return False
    return is_admin(user) or session.user.team_id in managed_team_ids(user=user)


def session_history(*, user) -> QuerySet[PracticeSession]:
    return (
        PracticeSession.objects.filter(user_id=user.id)
        .select_related("scenario")
        .defer("scorecard")
        .order_by("-started_at", "-id")
    )


def best_scores(*, user) -> list[dict]:
    """Per scenario: attempts, best score, passed at least once."""
    rows = (
        PracticeSession.objects.filter(user_id=user.id, status=PracticeSession.Status.FINISHED)
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
    """Sessions of the people a manager manages (never their own list here)."""
    qs = sessions_visible_to(user=user).exclude(user_id=user.id).defer("scorecard")
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


def transcript(*, session: PracticeSession) -> list[dict]:
    """Turns with each trainee sentence tagged by the evidence that quotes it (for highlighting)."""
    marks: dict[int, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for code, dim in (session.scorecard.get("dimensions") or {}).items():
        for ev in dim.get("evidence", []):
            marks[ev["turn"]][ev["quote"]].append({"dimension": code, "kind": ev["kind"], "reason": ev["reason"]})
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
        rows.append({"turn": turn, "segments": segments})
    return rows


def dimension_rows(*, session: PracticeSession) -> list[dict]:
    dims = session.scorecard.get("dimensions") or {}
    return [dims[code] for code in DIMENSIONS if code in dims]


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


# --- requirements (course / plan completion) -------------------------------------------------------------


def _passed_exists(user_id: int):
    return Exists(
        PracticeSession.objects.filter(
            user_id=user_id, scenario_id=OuterRef("scenario_id"), status=PracticeSession.Status.FINISHED, passed=True
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
        PracticeSession.objects.filter(user_id__in=user_ids, status=PracticeSession.Status.FINISHED)
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
    qs = ScoreOverride.objects.select_related("session__scenario", "session__user", "author")
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
        PracticeSession.objects.filter(scenario_id__in=list(scenario_ids), status=PracticeSession.Status.FINISHED)
        .values("scenario_id")
        .annotate(sessions=Count("id"), average=Avg("score"), passes=Count("id", filter=Q(passed=True)))
    )
    return {r["scenario_id"]: r for r in rows}


def is_manager(user) -> bool:
    return is_admin(user) or has_role(user, MANAGER)

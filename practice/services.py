"""Writes for role-play practice. Each service owns its transaction."""

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Category, Competency
from learning.services import enrollment_refresh, plan_enrollment_refresh
from lms.assignments import assignments_upsert, due_date_check
from lms.audit import AuditAction, audit_log_record
from practice import hooks, spec_builder
from practice.engine.customers import Persona, get_customer_backend
from practice.engine.llm import get_judge
from practice.engine.scoring import overall_of, score_transcript
from practice.engine.spec import rubric_of, validate_spec
from practice.labels import DIMENSION_LABELS
from practice.models import (
    CoachingComment,
    DimensionOverride,
    PracticeAssignment,
    PracticeSession,
    Scenario,
    ScenarioRequirement,
    ScoreOverride,
    Turn,
)

MAX_REPLY_CHARS = 1000
SCENARIO_FIELDS = (
    "code",
    "title",
    "language",
    "persona_role",
    "persona_company",
    "persona_temperament",
    "situation",
    "goal",
    "difficulty",
    "status",
)
IMPORT_FORMAT = "lms-practice-scenarios"


def persona_of(scenario: Scenario) -> Persona:
    return Persona(
        role=scenario.persona_role,
        company=scenario.persona_company,
        temperament=scenario.persona_temperament,
        situation=scenario.situation,
        title=scenario.title,
        language=scenario.language,
    )


def _spec_errors(spec, prefix: str = "spec") -> dict[str, list[str]]:
    return {f"{prefix}.{path}" if path != "spec" else prefix: [msg] for path, msg in validate_spec(spec)}


@transaction.atomic
def scenario_save(*, scenario: Scenario | None, data: dict, spec: dict, user) -> Scenario:
    """Create or update a scenario from cleaned form data and a spec; invalid specs raise ValidationError
    whose keys name the path (`spec.nodes[0].lines`)."""
    errors = _spec_errors(spec)
    if errors:
        raise ValidationError(errors)
    if scenario is None:
        scenario = Scenario(created_by=user)
    elif scenario.spec != spec:
        scenario.version += 1
    for name, value in data.items():
        setattr(scenario, name, value)
    scenario.spec = spec
    scenario.full_clean()
    scenario.save()
    return scenario


def scenario_spec_from_brief(*, brief, language: str, scenario: Scenario | None = None) -> dict:
    """The spec a description builds (practice.spec_builder); ValidationError keyed by the form field otherwise.
    A scenario whose script was changed in the expert view (or as JSON) is refused: the form would overwrite it."""
    if scenario is not None and not spec_builder.brief_applies(scenario.spec):
        raise ValidationError({"brief": [edited_in_expert_view_message()]})
    errors: dict[str, list[str]] = {}
    for name, message in spec_builder.brief_errors(brief):
        errors.setdefault(name, []).append(message)
    if errors:
        raise ValidationError(errors)
    spec = spec_builder.spec_from_brief(brief, language=language)
    # the built graph passes the shared checks (a failure here is a builder bug, said plainly, never a 500)
    problems = validate_spec(spec)
    if problems:
        raise ValidationError({"brief": [f"{path}: {message}" for path, message in problems]})
    return spec


def edited_in_expert_view_message() -> str:
    return _("This scenario's script has been changed in the expert view; edit it there.")


@transaction.atomic
def scenario_save_from_brief(*, scenario: Scenario | None, data: dict, brief, user) -> Scenario:
    """Create or update a scenario from its description: the meta fields in `data`, the script built from `brief`.
    An unchanged description makes no new version."""
    language = data.get("language") or (scenario.language if scenario else Scenario.Language.ZH)
    spec = scenario_spec_from_brief(brief=brief, language=language, scenario=scenario)
    if scenario is not None and spec == scenario.spec:
        spec = scenario.spec
    return scenario_save(scenario=scenario, data=data, spec=spec, user=user)


MAX_IMPORT_DEPTH = 40
_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad_text(value: str) -> str:
    if "\x00" in value:
        return _("contains a NUL character")
    if _SURROGATE.search(value):
        return _("contains an invalid character (a lone UTF-16 surrogate)")
    return ""


def _unstorable(payload, base: str) -> dict[str, list[str]]:
    """Values no database column can hold, by path: NUL characters (PostgreSQL text and jsonb refuse them), lone
    surrogates (`"\\ud800"` in JSON: not encodable), NaN/Infinity (not JSON) and absurd nesting."""
    errors: dict[str, list[str]] = {}
    stack = [(payload, base, 0)]
    while stack and len(errors) < 50:
        value, path, depth = stack.pop()
        if depth > MAX_IMPORT_DEPTH:
            errors[path] = [_("is nested too deeply")]
        elif isinstance(value, str):
            if problem := _bad_text(value):
                errors[path] = [problem]
        elif isinstance(value, float) and not math.isfinite(value):
            errors[path] = [_("must be a finite number")]
        elif isinstance(value, dict):
            for key, item in value.items():
                if problem := _bad_text(str(key)):
                    errors[path] = [problem]
                    continue
                stack.append((item, f"{path}.{key}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    return errors


def _import_item(item, path: str, errors: dict, refs: dict) -> dict | None:
    if not isinstance(item, dict):
        errors[path] = [_("must be an object")]
        return None
    data = {}
    for name in SCENARIO_FIELDS:
        value = item.get(name, "")
        if name in ("persona_company", "persona_temperament") and value == "":
            data[name] = ""
            continue
        if not isinstance(value, str) or not value.strip():
            if name == "status":
                value = Scenario.Status.DRAFT
            else:
                errors[f"{path}.{name}"] = [_("must be a non-empty text")]
                continue
        data[name] = value.strip()
    for name, value in data.items():
        max_length = Scenario._meta.get_field(name).max_length
        if max_length and len(value) > max_length:
            errors[f"{path}.{name}"] = [_("must be at most %(n)s characters") % {"n": max_length}]
    if "code" in data and f"{path}.code" not in errors:
        try:
            validate_slug(data["code"])
        except ValidationError as exc:
            errors[f"{path}.code"] = exc.messages
    choices = {
        "language": Scenario.Language.values,
        "difficulty": Scenario.Difficulty.values,
        "status": Scenario.Status.values,
    }
    for name, allowed in choices.items():
        if name in data and data[name] not in allowed:
            errors[f"{path}.{name}"] = [_("must be one of: %(v)s") % {"v": ", ".join(allowed)}]
    for name in ("category", "competency"):
        code = item.get(name)
        if code in (None, ""):
            data[name] = None
        elif not isinstance(code, str) or code not in refs[name]:
            errors[f"{path}.{name}"] = [_("unknown code “%(c)s”") % {"c": code}]
        else:
            data[name] = refs[name][code]
    variant = item.get("variant_of")
    if variant not in (None, "") and not isinstance(variant, str):
        errors[f"{path}.variant_of"] = [_("must be the code of another scenario")]
    data["variant_of"] = variant or None
    errors.update(_spec_errors(item.get("spec"), f"{path}.spec"))
    return data


@transaction.atomic
def scenario_import(*, payload, user) -> list[Scenario]:
    """Import scenarios exported by `scenario_export_data` (one object, or {"scenarios": [...]}).
    All or nothing: any error raises ValidationError keyed by the path (`scenarios[1].spec.start`)."""
    if isinstance(payload, dict) and "scenarios" in payload:
        items, base = payload["scenarios"], "scenarios"
    else:
        items, base = [payload], "scenarios"
    if not isinstance(items, list) or not items:
        raise ValidationError({"scenarios": [_("must be a non-empty list")]})
    unstorable = _unstorable(items, base)
    if unstorable:
        raise ValidationError(unstorable)
    refs = {
        "category": {c.code: c for c in Category.objects.all()},
        "competency": {c.code: c for c in Competency.objects.all()},
    }
    errors: dict = {}
    cleaned = []
    seen = set()
    for i, item in enumerate(items):
        data = _import_item(item, f"{base}[{i}]", errors, refs)
        if data and data.get("code") in seen:
            errors[f"{base}[{i}].code"] = [_("duplicate code in this file")]
        if data:
            seen.add(data.get("code"))
            cleaned.append((data, item.get("spec")))
    if errors:
        raise ValidationError(errors)
    codes = {d["code"] for d, _s in cleaned}
    known = codes | set(
        Scenario.objects.filter(code__in={d["variant_of"] for d, _s in cleaned}).values_list("code", flat=True)
    )
    for i, (data, _spec) in enumerate(cleaned):
        if data["variant_of"] and (data["variant_of"] not in known or data["variant_of"] == data["code"]):
            errors[f"{base}[{i}].variant_of"] = [_("unknown scenario code “%(c)s”") % {"c": data["variant_of"]}]
    if errors:
        raise ValidationError(errors)
    existing = {s.code: s for s in Scenario.objects.filter(code__in=codes)}
    saved = []
    variants = {}
    for i, (data, spec) in enumerate(cleaned):
        variants[data["code"]] = data.pop("variant_of")
        try:
            saved.append(scenario_save(scenario=existing.get(data["code"]), data=data, spec=spec, user=user))
        except ValidationError as exc:  # the model's own checks: say which scenario (all is rolled back)
            fields = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            raise ValidationError({f"{base}[{i}].{k}".rstrip("."): v for k, v in fields.items()}) from None
    by_code = {s.code: s for s in Scenario.objects.filter(code__in=set(variants.values()) - {None})}
    for scenario in saved:
        parent = by_code.get(variants[scenario.code])
        if (parent.id if parent else None) != scenario.variant_of_id:
            scenario.variant_of = parent
            scenario.save(update_fields=["variant_of"])
    return saved


def _customer_turn_create(session: PracticeSession, index: int, reply) -> Turn:
    return Turn.objects.create(
        session=session,
        index=index,
        speaker=Turn.Speaker.CUSTOMER,
        text=reply.text,
        node_id=reply.node_id,
        objection=reply.objection or "",
        matched_by=reply.matched_by,
        trace=reply.trace,
    )


class TurnInProgress(Exception):
    """A second reply while the customer is still answering the first, or a session that moved on meanwhile
    (finished, or a stale turn taken over). The API answers 409."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _open_sessions(user, scenario):
    return PracticeSession.objects.filter(user=user, scenario=scenario, status=PracticeSession.Status.IN_PROGRESS)


def session_start(*, user, scenario: Scenario, is_trial: bool = False) -> PracticeSession:
    """Start a conversation (the customer speaks first), or resume the unfinished one for this scenario.
    The opening line (an HTTP call with the LLM backend) is produced outside any transaction; the
    `practice_one_open_session` constraint makes a parallel start resume the session that won.

    `is_trial`: a trainer trying their own scenario (试一试): scored and shown to them like any session, counted
    nowhere (statistics, team lists, dashboards, requirements, calibration). There is one open conversation per
    person and scenario, trial or not: starting again resumes the open one, whichever kind it is."""
    existing = _open_sessions(user, scenario).first()
    if existing:
        return existing
    backend = get_customer_backend()
    opening = backend.opening(spec=scenario.spec, persona=persona_of(scenario))
    try:
        with transaction.atomic():
            session = PracticeSession.objects.create(
                user=user,
                scenario=scenario,
                scenario_version=scenario.version,
                backend=backend.name,
                current_node=opening.node_id,
                is_trial=is_trial,
            )
            _customer_turn_create(session, 0, opening)
    except IntegrityError:
        return _open_sessions(user, scenario).get()
    return session


def _has_words(text: str) -> bool:
    """Letters or digits in any script: emoji, punctuation and invisible characters alone say nothing."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def _clean_reply(text) -> str:
    """The reply as it will be stored, or a ValidationError on `text` that says what to change. Checked before
    anything is saved, so a refused reply costs no turn and the session stays open for the next one."""
    text = text.strip() if isinstance(text, str) else ""
    if "\x00" in text:
        problem = _("Your reply contains a NUL character (pasting sometimes brings one); remove it and send again.")
    elif _SURROGATE.search(text):
        problem = _("Your reply contains a broken character (half of an emoji or symbol); remove it and send again.")
    elif not text:
        problem = _("Type what you would say to the customer.")
    elif len(text) > MAX_REPLY_CHARS:
        problem = _("Keep a reply under %(n)s characters; the customer stops listening.") % {"n": MAX_REPLY_CHARS}
    elif not _has_words(text):
        problem = _("The customer needs words: say in a sentence what you would tell them (emoji alone are no reply).")
    else:
        return text
    raise ValidationError({"text": [problem]})


def reply_text_for_display(text) -> str:
    """What a refused reply shows again in the box: as typed, without the characters a page cannot hold."""
    text = text if isinstance(text, str) else ""
    return _SURROGATE.sub("", text.replace("\x00", ""))[: 4 * MAX_REPLY_CHARS]


def pending_stale_after() -> timedelta:
    """A pending turn older than this was orphaned (the worker died while the customer answered): the next
    reply takes over instead of waiting for an answer that will never come."""
    return timedelta(seconds=2 * getattr(settings, "PRACTICE_LLM_TIMEOUT", 10) + 30)


@dataclass(frozen=True)
class _Claim:
    trainee: Turn
    index: int
    node_id: str
    trainee_turns: int
    history: list


def _reply_claim(*, session_id: int, text: str) -> tuple[PracticeSession, _Claim]:
    """Transaction 1: lock, validate, save the salesperson's turn and mark it pending."""
    with transaction.atomic():
        session = PracticeSession.objects.select_for_update().select_related("scenario").get(pk=session_id)
        if session.is_finished:
            raise ValidationError({"text": [_("This practice session is already finished.")]})
        now = timezone.now()
        if session.pending_index is not None and session.pending_since > now - pending_stale_after():
            raise TurnInProgress(_("The customer is still answering your previous reply; wait for it, then reply."))
        history = [t.as_engine_dict() for t in session.turns.order_by("index")]
        index = history[-1]["index"] + 1 if history else 0
        trainee = Turn.objects.create(session=session, index=index, speaker=Turn.Speaker.TRAINEE, text=text)
        history.append(trainee.as_engine_dict())
        session.trainee_turns += 1
        session.pending_index = index
        session.pending_since = now
        session.save(update_fields=["trainee_turns", "pending_index", "pending_since"])
    claim = _Claim(trainee, index, session.current_node, session.trainee_turns, history)
    return session, claim


def session_reply(*, session: PracticeSession, text: str) -> tuple[Turn, Turn]:
    """Save the salesperson's reply and the customer's answer; the conversation is scored when it ends.

    Three steps so a slow customer backend (an LLM, up to PRACTICE_LLM_TIMEOUT) holds no lock and no
    transaction: (1) a short transaction saves the reply and marks it pending; (2) the backend answers with
    no transaction open; (3) a short transaction stores the answer only if this reply is still the pending
    one (a conditional update), so parallel replies to one session cannot interleave or answer twice.
    Raises TurnInProgress when another reply is pending or the session moved on meanwhile."""
    text = _clean_reply(text)
    session, claim = _reply_claim(session_id=session.pk, text=text)
    backend = get_customer_backend()
    reply = backend.respond(
        spec=session.scenario.spec,
        persona=persona_of(session.scenario),
        node_id=claim.node_id,
        reply=text,
        trainee_turns=claim.trainee_turns,
        history=claim.history,
    )
    with transaction.atomic():
        stored = PracticeSession.objects.filter(
            pk=session.pk, status=PracticeSession.Status.IN_PROGRESS, pending_index=claim.index
        ).update(pending_index=None, pending_since=None, current_node=reply.node_id)
        if not stored:
            raise TurnInProgress(
                _("The conversation moved on while the customer was answering; reload the page to see it.")
            )
        customer = _customer_turn_create(session, claim.index + 1, reply)
        if reply.ended:
            _finish(PracticeSession.objects.select_for_update().select_related("scenario").get(pk=session.pk))
    return claim.trainee, customer


def _finish(session: PracticeSession) -> PracticeSession:
    transcript = [t.as_engine_dict() for t in session.turns.order_by("index")]
    card = score_transcript(session.scenario.spec, transcript, judge=get_judge())
    session.scorecard = card
    session.score = card["overall"]
    session.passed = card["passed"]
    session.compliance_failed = card["compliance_failed"]
    session.status = PracticeSession.Status.FINISHED
    session.finished_at = timezone.now()
    session.pending_index = session.pending_since = None
    session.save(
        update_fields=[
            "scorecard",
            "score",
            "passed",
            "compliance_failed",
            "status",
            "finished_at",
            "pending_index",
            "pending_since",
        ]
    )
    if not session.is_trial:  # a trainer's trial counts nowhere: no course or plan completion, no dashboards
        _refresh_required_courses(session)
        _record_on_dashboards(session)
        _complete_assignments(session)
    return session


def _complete_assignments(session: PracticeSession) -> int:
    """A pass completes the person's open assignment of this scenario (one conditional UPDATE)."""
    if not session.passed or session.is_trial:
        return 0
    return PracticeAssignment.objects.filter(
        user_id=session.user_id, scenario_id=session.scenario_id, completed_at__isnull=True
    ).update(completed_at=session.finished_at or timezone.now())


def _record_on_dashboards(session: PracticeSession) -> None:
    """Practice scores count in the managers' mastery radar (dashboards/, through `hooks.session_scored`), once
    per finished session, after commit."""
    user_id, score = session.user_id, float(session.score or 0)
    category_id, competency_id = session.scenario.category_id, session.scenario.competency_id
    transaction.on_commit(
        lambda: hooks.session_scored.call(
            user_id=user_id, score=score, category_id=category_id, competency_id=competency_id
        )
    )


def _refresh_required_courses(session: PracticeSession) -> None:
    """A pass may complete the courses and plans that require this scenario: re-evaluate them after commit."""
    if not session.passed or session.is_trial:
        return
    user_id = session.user_id
    targets = list(
        ScenarioRequirement.objects.filter(scenario_id=session.scenario_id).values_list("course_id", "plan_id")
    )
    for course_id, plan_id in targets:
        if course_id:
            transaction.on_commit(lambda c=course_id: enrollment_refresh(user_id=user_id, course_id=c))
        else:
            transaction.on_commit(lambda p=plan_id: plan_enrollment_refresh(user_id=user_id, plan_id=p))


@transaction.atomic
def session_finish(*, session: PracticeSession) -> PracticeSession:
    """Score the conversation. Finishing twice returns the first scorecard unchanged."""
    session = PracticeSession.objects.select_for_update().select_related("scenario").get(pk=session.pk)
    if session.is_finished:
        return session
    return _finish(session)


MAX_COMMENT_CHARS = 4000
MAX_OVERRIDE_REASON_CHARS = 2000


@transaction.atomic
def comment_add(*, session: PracticeSession, author, body: str) -> CoachingComment:
    """A coach's comment on a session; the salesperson is notified (`hooks.comment_added`)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write a comment first.")]})
    if len(body) > MAX_COMMENT_CHARS:
        raise ValidationError({"body": [_("Keep a comment under 4000 characters.")]})
    if problem := _bad_text(body):
        raise ValidationError({"body": [_("The comment %(problem)s.") % {"problem": problem}]})
    comment = CoachingComment.objects.create(session=session, author=author, body=body)
    comment.session, comment.author = session, author
    hooks.comment_added.call(comment=comment)
    return comment


def dimension_adjustments(overrides) -> dict[str, DimensionOverride]:
    """The latest correction of each dimension, from a session's overrides (oldest to newest in any order given;
    `dimensions` prefetched or not)."""
    latest: dict[str, DimensionOverride] = {}
    for override in sorted(overrides, key=lambda o: (o.created_at, o.pk)):
        for row in override.dimensions.all():
            row.override = override
            latest[row.dimension] = row
    return latest


def overridable_dimensions(session: PracticeSession) -> list[str]:
    """The rubric's dimensions a coach may re-score: those the scorecard weighs (a weight of 0 counts nowhere)."""
    card = session.scorecard or {}
    dims = card.get("dimensions") or {}
    order = card.get("order") or list(dims)
    return [c for c in order if isinstance(dims.get(c), dict) and (dims[c].get("weight") or 0) > 0]


def _parse_score(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= 100 else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
        return number if number <= 100 else None
    return None


def _clean_changes(changes, allowed: list[str]) -> tuple[dict[str, tuple[int, str]], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, tuple[int, str]] = {}
    if not isinstance(changes, dict) or not changes:
        return {}, {"__all__": [_("Give a new score and a reason for at least one dimension.")]}
    for code, change in changes.items():
        if code not in allowed:
            errors.setdefault("__all__", []).append(_("Unknown dimension “%(code)s”.") % {"code": str(code)[:40]})
            continue
        change = change if isinstance(change, dict) else {}
        score = _parse_score(change.get("score"))
        if score is None:
            errors[f"{code}-score"] = [_("Enter a whole number from 0 to 100.")]
        reason = change.get("reason")
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason:
            errors[f"{code}-reason"] = [_("Say why this score should change.")]
        elif len(reason) > MAX_OVERRIDE_REASON_CHARS:
            errors[f"{code}-reason"] = [_("Keep a reason under 2000 characters.")]
        elif problem := _bad_text(reason):
            errors[f"{code}-reason"] = [_("The reason %(problem)s.") % {"problem": problem}]
        if score is not None and f"{code}-reason" not in errors:
            cleaned[code] = (score, reason)
    return cleaned, errors


@transaction.atomic
def score_override(*, session: PracticeSession, author, changes: dict, request=None) -> ScoreOverride:
    """A coach re-scores dimensions of a finished session: `changes` = {dimension code: {"score": 0-100,
    "reason": "..."}}, a reason for each. The overall score and the verdict are recomputed from the dimensions as
    the scorer does (`engine.scoring.overall_of`, the weights and pass mark of the scorecard); re-scoring the
    compliance dimension replaces the scorer's compliance gate. The scorer's card stays as it was; every correction
    is kept (who, when, before, after, why), audited, and the salesperson is notified (`hooks.score_overridden`).
    All or nothing: any bad input raises ValidationError keyed `<code>-score`, `<code>-reason` or `__all__`."""
    session = PracticeSession.objects.select_for_update().select_related("scenario").get(pk=session.pk)
    if not session.is_finished:
        raise ValidationError({"__all__": [_("Only a finished session can be re-scored.")]})
    cleaned, errors = _clean_changes(changes, overridable_dimensions(session))
    if errors:
        raise ValidationError(errors)
    card = session.scorecard or {}
    dims = card.get("dimensions") or {}
    current = {code: dim.get("score") for code, dim in dims.items() if isinstance(dim, dict)}
    earlier = dimension_adjustments(session.overrides.prefetch_related("dimensions"))
    current.update({code: row.after for code, row in earlier.items()})
    adjusted = {code: score for code, (score, _reason) in cleaned.items()}
    after = {**current, **adjusted}
    gate_lifted = "compliance" in adjusted or "compliance" in earlier
    overall, passed = overall_of(
        [(after.get(code), float(dim.get("weight") or 0)) for code, dim in dims.items() if isinstance(dim, dict)],
        pass_mark=card.get("pass_mark", rubric_of(session.scenario.spec)["pass_mark"]),
        has_turns=session.trainee_turns > 0,
        compliance_failed=bool(card.get("compliance_failed")) and not gate_lifted,
    )
    summary = "\n".join(f"{DIMENSION_LABELS.get(code, code)}: {reason}" for code, (_s, reason) in cleaned.items())
    override = ScoreOverride.objects.create(
        session=session,
        author=author,
        score=overall,
        scorer_score=card.get("overall", session.score or 0),
        previous_score=session.score,
        previous_passed=session.passed,
        passed=passed,
        reason=summary,
    )
    rows = DimensionOverride.objects.bulk_create(
        DimensionOverride(override=override, dimension=code, before=current.get(code), after=score, reason=reason)
        for code, (score, reason) in cleaned.items()
    )
    changed = {"score": session.score != overall, "passed": session.passed != passed}
    session.score, session.passed = overall, passed
    session.save(update_fields=["score", "passed"])
    audit_log_record(
        actor=author,
        action=AuditAction.SCORE_OVERRIDE,
        obj=session,
        details={
            "override": override.pk,
            "from": override.previous_score,
            "to": overall,
            "passed": passed,
            "dimensions": {r.dimension: {"from": r.before, "to": r.after, "reason": r.reason[:200]} for r in rows},
        },
        request=request,
    )
    override.author = author
    hooks.score_overridden.call(override=override)
    if changed["passed"] or changed["score"]:
        _refresh_required_courses(session)
        _complete_assignments(session)  # a corrected score may turn the session into a pass
    return override


@transaction.atomic
def requirement_add(*, scenario: Scenario, course=None, plan=None, day: int | None = None) -> ScenarioRequirement:
    if (course is None) == (plan is None):
        raise ValidationError(_("A requirement links a scenario to exactly one course or one plan."))
    requirement, _created = ScenarioRequirement.objects.get_or_create(
        scenario=scenario, course=course, plan=plan, defaults={"day": day}
    )
    return requirement


@transaction.atomic
def requirement_remove(*, requirement: ScenarioRequirement) -> None:
    requirement.delete()


@transaction.atomic
def practice_assign(*, user_ids, scenario: Scenario, due_date, by) -> dict:
    """Assign a published scenario to people by a due date, set-based (`lms.assignments.assignments_upsert`). Each
    new or re-dated assignment notifies its person (`hooks.scenarios_assigned`, in this transaction). The caller checks
    who `by` may assign to. Returns {"assigned", "updated", "unchanged"} (people counted once each).
    ValidationError for a scenario that is not published or a due date in the past."""
    if scenario.status != Scenario.Status.PUBLISHED:
        raise ValidationError({"scenario": [_("Only a published scenario can be assigned.")]}, code="not_published")
    due_date_check(due_date)
    counts, touched, _before = assignments_upsert(
        model=PracticeAssignment,
        field="scenario",
        target=scenario,
        user_ids=user_ids,
        due_date=due_date,
        by=by,
        related=("scenario",),
    )
    if touched:
        hooks.scenarios_assigned.call(assignments=touched)
    return counts

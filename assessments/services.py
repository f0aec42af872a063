"""Writes for the question bank, quizzes, attempts and grading. Each function owns its transaction."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import NoReturn

import nh3
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Max, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assessments import grading, hooks, parsers, selectors
from assessments.models import (
    CHOICE_TYPES,
    Attempt,
    AttemptAreaScore,
    AttemptItem,
    AttemptRequest,
    PartialCredit,
    Question,
    QuestionBank,
    QuestionImport,
    QuestionType,
    QuestionVersion,
    Quiz,
    QuizAssignment,
    QuizRule,
)
from courses.models import Category, Competency
from learning.services import enrollment_refresh
from lms.assignments import assignments_upsert, due_date_check
from lms.audit import AuditAction, audit_log_record, audit_log_record_many
from lms.deferred import enqueue_or_run, registered_task
from lms.jobs import job_create, run_job
from lms.models import Job
from trainees.selectors import people_for_user, team_subtree_ids

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
# The Celery tasks these services queue, by name (assessments.tasks imports this module, never the reverse).
GRADE_ONE_TASK = "assessments.tasks.grade_submitted_attempt"
GRADE_WAITING_TASK = "assessments.tasks.grade_submitted_attempts"
GRADED_EFFECTS_TASK = "assessments.tasks.attempt_graded_effects"
IMPORT_TASK = "assessments.tasks.question_import_run"
NOT_YOURS_TO_EDIT = gettext_lazy(
    "This question is a fixed question of quizzes you don't own, so only their owners or its author may change it."
    " Copy it to make your own version."
)


class AssessmentError(Exception):
    """A request that conflicts with the state of an attempt or quiz; pages show it, the API answers 409."""

    status = 409

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------------------------
# Question bank


def sanitise_html(text: str) -> str:
    return nh3.clean(text or "").strip()


def _reference(model, value: str):
    if not value:
        return None
    value = value.strip()
    return model.objects.filter(Q(code__iexact=value) | Q(name_zh=value) | Q(name_en__iexact=value)).first()


def _clean_question_data(data: dict) -> dict:
    """Validate a question as parsed or as typed in the form; ValidationError with field messages."""
    errors: dict[str, str] = {}
    qtype = data.get("qtype")
    if qtype not in QuestionType.values:
        errors["qtype"] = _("Choose a question type.")
    stem = sanitise_html(data.get("stem", ""))
    if not stem:
        errors["stem"] = _("The question needs a text.")
    options = [
        {
            "key": parsers.LETTERS[i],
            "text": str(o.get("text", "")).strip(),
            "weight": float(o.get("weight", 0)),
            "feedback": str(o.get("feedback", "")),
        }
        for i, o in enumerate(o for o in data.get("options") or [] if str(o.get("text", "")).strip())
    ]
    answer = data.get("answer") or {}
    if qtype in CHOICE_TYPES:
        if len(options) < 2:
            errors["options"] = _("A choice question needs at least two options.")
        elif not grading.correct_keys(options):
            errors["options"] = _("Mark at least one option as correct.")
        answer = {}
    else:
        options = []
    if qtype == QuestionType.SHORT and not [a for a in answer.get("accepted", []) if str(a).strip()]:
        errors["answer"] = _("Give at least one accepted answer.")
    if qtype == QuestionType.TRUE_FALSE and not isinstance(answer.get("value"), bool):
        errors["answer"] = _("Choose true or false.")
    try:
        difficulty = int(data.get("difficulty") or 3)
    except (TypeError, ValueError):
        difficulty = 0
    if not 1 <= difficulty <= 5:
        errors["difficulty"] = _("Difficulty is 1 to 5.")
    partial = data.get("partial_credit") or PartialCredit.ALL_OR_NOTHING
    if partial not in PartialCredit.values:
        errors["partial_credit"] = _("Unknown partial credit rule.")
    if errors:
        raise ValidationError(errors)
    category = data.get("category")
    competency = data.get("competency")
    tags = [str(t)[:40] for t in data.get("tags") or []][:20]
    if isinstance(category, str):
        text, category = category, _reference(Category, category)
        if text and category is None:
            tags.append(text[:40])  # an imported category we do not know is kept as a tag, not lost
    if isinstance(competency, str):
        competency = _reference(Competency, competency)
    return {
        "qtype": qtype,
        "title": (data.get("title") or "")[:200],
        "stem": stem,
        "options": options,
        "answer": answer,
        "partial_credit": partial,
        "explanation": sanitise_html(data.get("explanation", "")),
        "category": category,
        "competency": competency,
        "difficulty": difficulty,
        "tags": tags,
    }


def _add_version(question: Question, *, author, clean: dict) -> QuestionVersion:
    last = question.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = QuestionVersion.objects.create(question=question, number=last + 1, author=author, **clean)
    question.current = version
    question.qtype = clean["qtype"]
    question.category = clean["category"]
    question.competency = clean["competency"]
    question.difficulty = clean["difficulty"]
    question.save(update_fields=["current", "qtype", "category", "competency", "difficulty", "updated_at"])
    return version


@transaction.atomic
def question_create(*, bank: QuestionBank, author, data: dict) -> Question:
    clean = _clean_question_data(data)
    question = Question.objects.create(
        bank=bank,
        author=author,
        qtype=clean["qtype"],
        category=clean["category"],
        competency=clean["competency"],
        difficulty=clean["difficulty"],
    )
    _add_version(question, author=author, clean=clean)
    return question


@transaction.atomic
def question_update(*, question: Question, author, data: dict) -> QuestionVersion:
    """Editing makes a new version. Attempts already started keep the version they were given, published quizzes
    the one they give until an owner takes the new one (`quiz_take_new_versions`); drafts follow at once.
    Only those `selectors.question_can_edit` names may edit; anyone else copies (`question_copy`)."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if not selectors.question_can_edit(user=author, question=question):
        raise PermissionDenied(NOT_YOURS_TO_EDIT)
    return _add_version(question, author=author, clean=_clean_question_data(data))


@transaction.atomic
def question_copy(*, question: Question, user) -> Question:
    """A new question of the person's own, in the same bank, with the content of the current version."""
    current = question.current
    copy = Question.objects.create(
        bank_id=question.bank_id,
        author=user,
        qtype=current.qtype,
        category_id=current.category_id,
        competency_id=current.competency_id,
        difficulty=current.difficulty,
    )
    fields = ("qtype", "title", "stem", "options", "answer", "partial_credit", "explanation", "difficulty", "tags")
    clean = {name: getattr(current, name) for name in fields}
    clean |= {"category": current.category, "competency": current.competency}
    _add_version(copy, author=user, clean=clean)
    return copy


BULK_ACTIONS = ("category", "competency", "retire", "tag_add", "tag_remove")


@transaction.atomic
def questions_bulk_update(
    *,
    user,
    question_ids: Iterable[int],
    action: str,
    category: Category | None = None,
    competency: Competency | None = None,
    tag: str = "",
) -> int:
    """One change to many questions of the bank: move to a category, set the competency, add or remove a tag (each
    a new version, as an edit in the form makes), or retire them (no longer listed nor drawn by random rules).
    All or nothing: when any chosen question is not one the person may edit (`selectors.question_can_edit`) or
    not in the bank, nothing changes and ValidationError says how many. A bounded number of queries, whatever
    the count. Returns how many questions changed."""
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Choose what to do with the chosen questions."))
    ids = sorted({int(i) for i in question_ids})
    if not ids:
        raise ValidationError(_("Choose at least one question."))
    tag = (tag or "").strip()[:40]
    if action in ("tag_add", "tag_remove") and (not tag or any(c.isspace() for c in tag)):
        raise ValidationError(_("Give one tag, without spaces."))
    if action == "category" and category is None:
        raise ValidationError(_("Choose the category to move the questions to."))
    if action == "competency" and competency is None:
        raise ValidationError(_("Choose the competency to set."))
    questions = list(
        selectors.question_list(user=user)
        .filter(pk__in=ids)
        .select_for_update(of=("self",))
        .select_related(None)
        .select_related("current")
        .order_by("pk")
    )
    refused = len(ids) - sum(1 for q in questions if q.editable)
    if refused:
        raise ValidationError(
            ngettext(
                "%(n)s of the chosen questions is not yours to change (used in quizzes you don't own, or no longer"
                " in the bank); nothing was changed.",
                "%(n)s of the chosen questions are not yours to change (used in quizzes you don't own, or no longer"
                " in the bank); nothing was changed.",
                refused,
            )
            % {"n": refused}
        )
    if action == "retire":
        return Question.objects.filter(pk__in=[q.pk for q in questions]).update(
            is_archived=True, updated_at=timezone.now()
        )
    fields = ("qtype", "title", "stem", "options", "answer", "partial_credit", "explanation", "difficulty")
    # Not an annotation of the locked query: PostgreSQL refuses FOR UPDATE with GROUP BY.
    last_numbers = dict(
        QuestionVersion.objects.filter(question_id__in=[q.pk for q in questions])
        .values("question_id")
        .annotate(last=Max("number"))
        .values_list("question_id", "last")
    )
    versions, changed = [], []
    for question in questions:
        current = question.current
        values = {name: getattr(current, name) for name in fields}
        values |= {"category_id": current.category_id, "competency_id": current.competency_id, "tags": current.tags}
        if action == "category":
            values["category_id"] = category.pk
        elif action == "competency":
            values["competency_id"] = competency.pk
        elif action == "tag_add" and tag not in current.tags:
            values["tags"] = [*current.tags, tag][-20:]
        elif action == "tag_remove":
            values["tags"] = [t for t in current.tags if t != tag]
        if all(values[k] == getattr(current, k) for k in ("category_id", "competency_id", "tags")):
            continue  # already so: no new version
        versions.append(
            QuestionVersion(question=question, number=last_numbers.get(question.pk, 0) + 1, author=user, **values)
        )
        changed.append(question)
    QuestionVersion.objects.bulk_create(versions)
    now = timezone.now()
    for question, version in zip(changed, versions, strict=True):
        question.current = version
        question.category_id = version.category_id
        question.competency_id = version.competency_id
        question.updated_at = now
    Question.objects.bulk_update(changed, ["current", "category", "competency", "updated_at"], batch_size=500)
    return len(changed)


def bank_get_or_create_default(*, user) -> QuestionBank:
    bank = QuestionBank.objects.order_by("id").first()
    if bank is None:
        bank = QuestionBank.objects.create(title=_("Shared question bank"))
        if user is not None:
            bank.owners.add(user)
    return bank


def import_preview(*, bank: QuestionBank, user, fmt: str, data: bytes, filename: str = "") -> QuestionImport:
    """Parse an upload and keep the result for the preview page. Raises parsers.FileRejected."""
    result = parsers.parse_upload(data=data, fmt=fmt, max_bytes=settings.IMPORT_MAX_BYTES)
    questions, errors = _check_parsed(result)
    return QuestionImport.objects.create(
        bank=bank, user=user, fmt=fmt, filename=filename[:255], parsed=questions, errors=errors
    )


def import_preview_guided(
    *, bank: QuestionBank, user, fmt: str, data: bytes, filename: str = ""
) -> tuple[QuestionImport, str]:
    """`import_preview`, reading the file in the format its content shows when that is not the one chosen; returns
    the preview and, then, the sentence that says so (else ""). FileRejected for a file in no format we read."""
    detected = parsers.format_mismatch(data=data, filename=filename, chosen=fmt)
    notice = ""
    if detected:
        names = parsers.FORMAT_NAMES
        notice = _(
            "This is a %(detected)s file, but you chose the %(chosen)s format. It was read as %(detected)s: check"
            " the preview."
        ) % {"detected": names[detected], "chosen": names.get(fmt, fmt)}
        fmt = detected
    return import_preview(bank=bank, user=user, fmt=fmt, data=data, filename=filename), notice


def import_template_xlsx() -> bytes:
    """The Excel template: Chinese headers and labels, with the allowed values (categories, competencies, types)
    on a second sheet."""
    return parsers.export_xlsx(
        [],
        examples=True,
        categories=list(Category.objects.values_list("name_zh", flat=True)),
        competencies=list(Competency.objects.values_list("name_zh", flat=True)),
    )


def _check_parsed(result: parsers.ParseResult) -> tuple[list[dict], list[dict]]:
    """Run each parsed question through the same validation as the form; failures join the errors."""
    errors = list(result.errors)
    good = []
    for question in result.questions:
        try:
            _clean_question_data(question)
        except ValidationError as exc:
            messages = "; ".join(m for ms in exc.message_dict.values() for m in ms)
            errors.append({"line": question["line"], "message": messages})
            continue
        good.append(question)
    if result.truncated_errors:
        errors.append({"line": 0, "message": _("… and %(n)s more errors.") % {"n": result.truncated_errors}})
    errors.sort(key=lambda e: e["line"])
    return good, errors


# Files with at least this many questions are imported in the background, with a progress bar.
IMPORT_IN_BACKGROUND_FROM = 300
IMPORT_CHUNK = 50
IMPORT_JOB_KIND = "question_import"


def _refuse_while_errors(errors: list[dict], valid_only: bool) -> None:
    if errors and not valid_only:
        raise ValidationError(
            _("The file has %(n)s errors; fix them, or choose to import the valid questions only.") % {"n": len(errors)}
        )


@transaction.atomic
def questions_import(*, bank: QuestionBank, user, questions: list[dict], errors: list[dict], valid_only: bool) -> int:
    """Write parsed questions. Nothing is written while errors remain unless the trainer chose valid_only."""
    _refuse_while_errors(errors, valid_only)
    for data in questions:
        question_create(bank=bank, author=user, data=data)
    return len(questions)


def _background_from() -> int:
    return getattr(settings, "QUESTION_IMPORT_BACKGROUND_FROM", IMPORT_IN_BACKGROUND_FROM)


@transaction.atomic
def import_commit(*, pending: QuestionImport, user, valid_only: bool):
    """Import a previewed file: at once (returns the count) or, for a large file, in Celery with a progress bar
    (returns the Job). Refused while errors remain unless valid_only; never twice."""
    pending = QuestionImport.objects.select_for_update(of=("self",)).select_related("job").get(pk=pending.pk)
    if pending.imported_count is not None:
        raise AssessmentError("already_imported", _("This file has already been imported."))
    if pending.job is not None and pending.job.status != Job.Status.FAILED:
        raise AssessmentError("import_running", _("This file is being imported; follow the progress on this page."))
    _refuse_while_errors(pending.errors, valid_only)
    if len(pending.parsed) >= _background_from():
        job = job_create(kind=IMPORT_JOB_KIND, owner=user, total=len(pending.parsed))
        pending.job = job
        pending.save(update_fields=["job"])
        import_id, job_id = pending.pk, job.pk
        transaction.on_commit(lambda: _enqueue_import(import_id=import_id, job_id=job_id))
        return job
    count = questions_import(
        bank=pending.bank, user=user, questions=pending.parsed, errors=pending.errors, valid_only=valid_only
    )
    pending.imported_count = count
    pending.save(update_fields=["imported_count"])
    return count


def _enqueue_import(*, import_id: int, job_id: int) -> None:
    try:
        registered_task(IMPORT_TASK).delay(import_id=import_id, job_id=job_id)
    except Exception:  # noqa: BLE001 - the broker is down: import here rather than leave the job waiting
        logger.exception("could not queue question import %s; running it now", import_id)
        import_run(import_id=import_id, job_id=job_id)


def import_run(*, import_id: int, job_id: int) -> None:
    """The background import (Celery): chunks of IMPORT_CHUNK questions, each committed so the progress shows; if
    a chunk fails, the questions already written by this run are removed again, so a failed import leaves nothing."""
    pending = QuestionImport.objects.select_related("bank", "user").get(pk=import_id)
    if pending.imported_count is not None:
        return

    def work(advance) -> dict:
        created: list[int] = []
        try:
            for start in range(0, len(pending.parsed), IMPORT_CHUNK):
                chunk = pending.parsed[start : start + IMPORT_CHUNK]
                with transaction.atomic():
                    created += [question_create(bank=pending.bank, author=pending.user, data=d).pk for d in chunk]
                advance(len(chunk))
        except Exception:
            _remove_imported(created)
            raise
        QuestionImport.objects.filter(pk=import_id).update(imported_count=len(created))
        return {"imported": len(created), "message": _("%(n)s questions imported.") % {"n": len(created)}}

    run_job(job_id, work)


def _remove_imported(question_ids: list[int]) -> None:
    with transaction.atomic():
        Question.objects.filter(pk__in=question_ids).update(current=None)
        QuestionVersion.objects.filter(question_id__in=question_ids).delete()
        Question.objects.filter(pk__in=question_ids).delete()


def import_upload(*, bank: QuestionBank, user, fmt: str, data: bytes, dry_run: bool, valid_only: bool) -> dict:
    """The API's import: parse, then write unless dry_run; a large file is written in the background (the answer
    then names the job to follow). Raises parsers.FileRejected / ValidationError."""
    result = parsers.parse_upload(data=data, fmt=fmt, max_bytes=settings.IMPORT_MAX_BYTES)
    questions, errors = _check_parsed(result)
    imported, job_id = 0, None
    blocked = bool(errors) and not valid_only and not dry_run
    if not dry_run and not blocked:
        if len(questions) >= _background_from():
            pending = QuestionImport.objects.create(bank=bank, user=user, fmt=fmt, parsed=questions, errors=errors)
            job_id = import_commit(pending=pending, user=user, valid_only=valid_only).pk
        else:
            imported = questions_import(bank=bank, user=user, questions=questions, errors=errors, valid_only=valid_only)
    return {
        "parsed": len(questions),
        "errors": errors,
        "imported": imported,
        "dry_run": dry_run,
        "blocked": blocked,
        "job": job_id,
    }


def version_as_dict(version: QuestionVersion) -> dict:
    """A question version in the parsers' neutral shape, for export."""
    return {
        "qtype": version.qtype,
        "title": version.title,
        "stem": version.stem,
        "options": version.options,
        "answer": version.answer,
        "partial_credit": version.partial_credit,
        "explanation": version.explanation,
        "category": version.category.code if version.category_id else "",
        "competency": version.competency.code if version.competency_id else "",
        # The Excel export writes the names (as the template does); GIFT keeps the codes.
        "category_name": version.category.name_zh if version.category_id else "",
        "competency_name": version.competency.name_zh if version.competency_id else "",
        "difficulty": version.difficulty,
        "tags": version.tags,
    }


# ---------------------------------------------------------------------------------------------------------------
# Attempts


def _rng() -> secrets.SystemRandom:
    return secrets.SystemRandom()


def _given_version_ids(quiz: Quiz, question_ref: str = "pk"):
    """The version of a question (OuterRef `question_ref`) that the quiz gives: the newest up to its
    `versions_upto` (a question added later: its first version); None when the quiz gives the current ones."""
    if quiz.versions_upto is None:
        return None
    of_question = QuestionVersion.objects.filter(question_id=OuterRef(question_ref))
    newest = of_question.filter(id__lte=quiz.versions_upto).order_by("-id").values("id")[:1]
    first = of_question.order_by("id").values("id")[:1]
    return Coalesce(Subquery(newest), Subquery(first))


def _pick_versions(quiz: Quiz) -> list[tuple[QuestionVersion, Decimal]]:
    """The questions an attempt gets, with their points: the fixed questions in order (fixed or mixed mode), then
    each random rule's draw (random or mixed mode), never a question already given."""
    picked: list[tuple[QuestionVersion, Decimal]] = []
    used: set[int] = set()
    if quiz.mode in (Quiz.Mode.FIXED, Quiz.Mode.MIXED):
        rows = quiz.quiz_questions.filter(question__is_archived=False, question__current__isnull=False).order_by(
            "order", "id"
        )
        given = _given_version_ids(quiz, "question_id")
        if given is None:
            rows = list(rows.select_related("question__current"))
            picked += [(row.question.current, row.points) for row in rows]
        else:
            rows = list(rows.annotate(version_id=given))
            versions = QuestionVersion.objects.in_bulk([row.version_id for row in rows])
            picked += [(versions[row.version_id], row.points) for row in rows]
        used.update(row.question_id for row in rows)
    if quiz.mode == Quiz.Mode.FIXED:
        return picked
    for rule in quiz.rules.all():
        pool = selectors.drawable_questions().exclude(id__in=used)
        pool = pool.filter(
            selectors.rule_match(
                category_id=rule.category_id, competency_id=rule.competency_id, difficulty=rule.difficulty
            )
        )
        ids = list(pool.values_list("id", flat=True))
        if len(ids) < rule.count:
            raise AssessmentError("not_enough_questions", _("This quiz cannot start: its bank has too few questions."))
        chosen = _rng().sample(ids, rule.count)
        used.update(chosen)
        given = _given_version_ids(quiz)
        if given is None:
            versions = {q.id: q.current for q in Question.objects.filter(id__in=chosen).select_related("current")}
        else:
            version_of = dict(Question.objects.filter(id__in=chosen).annotate(v=given).values_list("id", "v"))
            by_id = QuestionVersion.objects.in_bulk(version_of.values())
            versions = {i: by_id[v] for i, v in version_of.items()}
        picked += [(versions[i], rule.points) for i in chosen]
    return picked


def _deadline(quiz: Quiz, started: dt.datetime) -> dt.datetime | None:
    ends = []
    if quiz.time_limit_minutes:
        ends.append(started + dt.timedelta(minutes=quiz.time_limit_minutes))
    if quiz.closes_at:
        ends.append(quiz.closes_at)
    return min(ends) if ends else None


def attempt_start(*, quiz: Quiz, user) -> Attempt:
    """Start (or resume the open) attempt. Parallel starts never exceed the attempts allowed: the person's row is
    locked for the count, and (quiz, user, number) is unique besides. The new attempt comes with its items (the
    versions already read), so showing it reads nothing again."""
    try:
        return _start(quiz=quiz, user=user)
    except IntegrityError:  # a start that raced this one past the lock (the unique constraints held)
        raise AssessmentError(
            "start_conflict", _("Another start of this quiz is under way; reload the page.")
        ) from None


@transaction.atomic
def _start(*, quiz: Quiz, user) -> Attempt:
    # FOR NO KEY UPDATE: serialises this person's starts without blocking rows that merely reference them.
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).order_by().values_list(
        "pk", flat=True
    ).first()
    now = timezone.now()
    # The person's attempts at this quiz, in one read: the open one (if any) and how many were used.
    mine = list(Attempt.objects.filter(quiz=quiz, user=user).order_by("number"))
    open_attempt = next((a for a in mine if a.status == Attempt.Status.IN_PROGRESS), None)
    if open_attempt is not None:
        open_attempt.quiz, open_attempt.user = quiz, user
        if open_attempt.deadline is None or open_attempt.deadline > now:
            return open_attempt
        _close_and_grade(open_attempt, now=now, auto=True)
    if quiz.status != Quiz.Status.PUBLISHED:
        raise AssessmentError("not_published", _("This quiz is not open yet."))
    if quiz.opens_at and now < quiz.opens_at:
        raise AssessmentError("not_open", _("This quiz opens later."))
    if quiz.closes_at and now >= quiz.closes_at:
        raise AssessmentError("closed", _("This quiz has closed."))
    used = len(mine)
    if quiz.attempts_allowed and used >= quiz.attempts_allowed + selectors.extra_attempts(
        quiz_id=quiz.pk, user_id=user.pk
    ):
        raise AssessmentError("no_attempts_left", _("You have used all the attempts allowed for this quiz."))
    drawn = _draw(quiz)
    attempt = Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=used + 1,
        started_at=now,
        deadline=_deadline(quiz, now),
        max_score=sum((points for _v, _keys, points in drawn), Decimal("0")),
    )
    items = [
        AttemptItem(attempt=attempt, order=order, version=version, option_order=keys, points=points)
        for order, (version, keys, points) in enumerate(drawn, start=1)
    ]
    AttemptItem.objects.bulk_create(items)
    if all(item.pk for item in items):  # the database returned their ids (PostgreSQL, SQLite)
        attempt.new_items = items  # selectors.attempt_items shows these instead of reading them again
    return attempt


def _draw(quiz: Quiz) -> list[tuple]:
    """What an attempt started now gets, in order: (version, option keys in the order shown, points), with the random
    rules drawn and questions and options shuffled as the quiz says. The attempt and the preview both draw here."""
    picked = _pick_versions(quiz)
    if not picked:
        raise AssessmentError("no_questions", _("This quiz has no questions yet."))
    rng = _rng()
    if quiz.shuffle_questions:
        rng.shuffle(picked)
    drawn = []
    for version, points in picked:
        keys = [o["key"] for o in version.options]
        if quiz.shuffle_options and version.qtype in CHOICE_TYPES:
            rng.shuffle(keys)
        drawn.append((version, keys, points))
    return drawn


def _clean_answer(*, item_id: int, qtype: str, option_order: list, value):
    """The stored form of one answer; ValidationError when it cannot be an answer to this question."""
    if value is None or value == "" or value == []:
        return None
    keys = set(option_order)
    if qtype == QuestionType.SINGLE:
        if not isinstance(value, str) or value not in keys:
            raise ValidationError({str(item_id): _("Choose one of the options.")})
        return value
    if qtype == QuestionType.MULTIPLE:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v in keys for v in value):
            raise ValidationError({str(item_id): _("Choose among the options.")})
        return sorted(set(value))
    if qtype == QuestionType.TRUE_FALSE:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise ValidationError({str(item_id): _("Answer true or false.")})
        return value
    if not isinstance(value, (str, int, float)):
        raise ValidationError({str(item_id): _("Answer with text.")})
    text = str(value)
    if len(text) > 20000:
        raise ValidationError({str(item_id): _("The answer is too long.")})
    if "\x00" in text:  # PostgreSQL cannot store it, not even inside JSON: it was a 500
        raise ValidationError({str(item_id): _("The answer contains a NUL character; remove it and save again.")})
    return text


SEQ_MAX = 2147483647  # the column's range: a larger number from a page is refused, not a database error


def attempt_save_answers(*, attempt: Attempt, seq: int, answers: dict, flagged: Iterable[int] | None = None) -> Attempt:
    """Save answers {item id: value}. seq must be newer than the last save, so a stale page never overwrites.

    Hot path (every autosave of every taker): one conditional UPDATE of the attempt claims the sequence number and
    holds its row lock until commit, then one read of the named items (their option order and question type only,
    not whole question versions) and one UPDATE of the answers that changed. The rare refusals read the row again
    to say why. `flagged`, when given, is the whole set of items the taker marked to come back to (the page's form
    sends it with every save); None leaves the marks as they are."""
    with transaction.atomic():
        outcome = _save_answers(attempt=attempt, seq=seq, answers=answers, flagged=flagged)
    if isinstance(outcome, AssessmentError):
        raise outcome  # raised after the commit, so the close and grade are kept
    return outcome


def attempt_save_answers_for_taker(
    *, user, attempt_id: int, seq: int, answers: dict, flagged: Iterable[int] | None = None
) -> int:
    """The API's save: as attempt_save_answers, with the taker check folded into the claiming UPDATE (no read of
    the attempt first). Http404 when the attempt is not this person's. Returns the saved sequence number."""
    attempt = Attempt(pk=attempt_id, user_id=user.id)
    with transaction.atomic():
        outcome = _save_answers(attempt=attempt, seq=seq, answers=answers, user_id=user.id, flagged=flagged)
    if isinstance(outcome, AssessmentError):
        raise outcome
    return outcome.save_seq


def _save_answers(
    *, attempt: Attempt, seq: int, answers: dict, user_id: int | None = None, flagged: Iterable[int] | None = None
) -> Attempt | AssessmentError:
    now = timezone.now()
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq <= SEQ_MAX:
        raise AssessmentError("stale", _("The page sent no sequence number; reload the page."))
    mine = {"user_id": user_id} if user_id is not None else {}
    claimed = (
        Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS, save_seq__lt=seq, **mine)
        .filter(Q(deadline__isnull=True) | Q(deadline__gt=now))
        .update(save_seq=seq)
    )
    if not claimed:
        return _save_refused(attempt_id=attempt.pk, now=now, **mine)
    wanted = [int(k) for k in answers if str(k).isdigit()]
    # Plain rows, not model instances: this runs for every autosave of every taker. With the marks, every item
    # (an item no longer marked is one not in the set).
    items = AttemptItem.objects.filter(attempt_id=attempt.pk)
    if flagged is None:
        items = items.filter(id__in=wanted)
    rows = {str(row[0]): row for row in items.values_list("id", "version__qtype", "option_order", "answer", "flagged")}
    if flagged is not None:
        marked = {int(v) for v in flagged if str(v).isdigit()}
        if marked - {row[0] for row in rows.values()}:
            raise ValidationError({"flagged": _("A marked question is not part of the attempt.")})
        set_on = [row[0] for row in rows.values() if row[0] in marked and not row[4]]
        set_off = [row[0] for row in rows.values() if row[0] not in marked and row[4]]
        if set_on:
            AttemptItem.objects.filter(pk__in=set_on).update(flagged=True)
        if set_off:
            AttemptItem.objects.filter(pk__in=set_off).update(flagged=False)
    changed: dict[int, object] = {}
    for key, value in answers.items():
        row = rows.get(str(key))
        if row is None:
            raise ValidationError({str(key): _("This question is not part of the attempt.")})
        item_id, qtype, option_order, stored, _flagged = row
        cleaned = _clean_answer(item_id=item_id, qtype=qtype, option_order=option_order, value=value)
        if cleaned != stored:
            changed[item_id] = cleaned
    cleared = [pk for pk, answer in changed.items() if answer is None]
    given = {pk: answer for pk, answer in changed.items() if answer is not None}
    if given:
        # One UPDATE with a CASE on the id, as bulk_update writes it, minus the second CASE for answered_at (the same
        # for every row), which halves the expressions to build.
        field = AttemptItem._meta.get_field("answer")
        whens = [When(pk=pk, then=Value(answer, output_field=field)) for pk, answer in given.items()]
        AttemptItem.objects.filter(pk__in=list(given)).update(answer=Case(*whens, output_field=field), answered_at=now)
    if cleared:
        # Apart: in a CASE, an untyped NULL makes PostgreSQL type the whole expression as text, which a jsonb column
        # refuses (a 500, and the old answer stayed stored and was graded).
        AttemptItem.objects.filter(pk__in=cleared).update(answer=None, answered_at=now)
    attempt.save_seq = seq
    return attempt


def _save_refused(*, attempt_id: int, now: dt.datetime, user_id: int | None = None) -> AssessmentError:
    """Why the conditional UPDATE of a save matched nothing: not theirs (404), submitted, past the deadline (close
    it now), or stale."""
    mine = {"user_id": user_id} if user_id is not None else {}
    attempt = (
        Attempt.objects.select_for_update(of=("self",), no_key=True)
        .select_related("quiz")
        .filter(pk=attempt_id, **mine)
        .first()
    )
    if attempt is None:
        raise Http404
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise AssessmentError("already_submitted", _("This attempt has already been submitted."))
    if attempt.deadline is not None and now >= attempt.deadline:
        _close_and_grade(attempt, now=now, auto=True)
        return AssessmentError("deadline_passed", _("Time is up: answers after the deadline are not accepted."))
    raise AssessmentError(
        "stale",
        _("These answers are older than the ones already saved (perhaps from another tab). Reload the page."),
    )


def attempt_submit(*, attempt: Attempt) -> Attempt:
    """Submit exactly once (the page: the caller has read the attempt and checked it is the taker's). See
    `_submit`: the claim commits at once and the automatic grading runs in Celery."""
    attempt.submitted_at = _submit(attempt_id=attempt.pk)
    attempt.status, attempt.auto_closed = Attempt.Status.SUBMITTED, False
    return attempt


def attempt_submit_for_taker(*, user, attempt_id: int) -> dt.datetime:
    """The API's submit: as attempt_submit, with the taker check folded into the claiming UPDATE (no read of the
    attempt first). Http404 when the attempt is not this person's. Returns the time of the submit."""
    return _submit(attempt_id=attempt_id, user_id=user.id)


def attempt_submit_and_grade(*, attempt: Attempt) -> Attempt:
    """Submit and grade at once in the caller's transaction, without Celery: for demo data and scripts, never for
    a request (the burst at the end of a quiz uses attempt_submit)."""
    with transaction.atomic():
        if not _close_and_grade(attempt, now=timezone.now(), auto=False):
            raise AssessmentError("already_submitted", _("This attempt has already been submitted."))
    return attempt


def _submit(*, attempt_id: int, user_id: int | None = None) -> dt.datetime:
    """The hot path of the burst at the end of a quiz, kept lean: one conditional UPDATE claims the attempt (the
    first call wins; every other one, and a submit past the deadline, reads the row to say why). The claim commits
    by itself (never inside a caller's transaction, which could roll it back), so the worker finds it; only then is
    the automatic grading queued (`_queue_grading`), or run here when the broker cannot take it. Until it has run
    the attempt is submitted without a score (`Attempt.is_grading`): pages and the API show "grading"."""
    now = timezone.now()
    mine = {"user_id": user_id} if user_id is not None else {}
    claim = Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.IN_PROGRESS, **mine).filter(
        Q(deadline__isnull=True) | Q(deadline__gt=now)
    )
    values = {"status": Attempt.Status.SUBMITTED, "submitted_at": now, "auto_closed": False}
    if connection.in_atomic_block:
        with transaction.atomic(durable=True):  # refuses to run inside a caller's transaction (tests excepted)
            claimed = claim.update(**values)
    else:  # a request: the one statement commits by itself, without BEGIN and COMMIT round trips
        claimed = claim.update(**values)
    if claimed:
        _queue_grading(attempt_id)
        return now
    _submit_refused(attempt_id=attempt_id, now=now, **mine)


def _submit_refused(*, attempt_id: int, now: dt.datetime, user_id: int | None = None) -> NoReturn:
    """Why the claiming UPDATE of a submit matched nothing: not theirs (404), already submitted (409), or past the
    deadline: then the attempt is closed at its deadline (and graded) and the late submit itself is refused."""
    mine = {"user_id": user_id} if user_id is not None else {}
    attempt = Attempt.objects.filter(pk=attempt_id, **mine).only("id", "status", "deadline").first()
    if attempt is None:
        raise Http404
    if attempt.status == Attempt.Status.IN_PROGRESS and attempt.deadline is not None and now >= attempt.deadline:
        with transaction.atomic(durable=True):
            closed = Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.IN_PROGRESS).update(
                status=Attempt.Status.SUBMITTED, submitted_at=attempt.deadline, auto_closed=True
            )
        if closed:
            _queue_grading(attempt_id)
            raise AssessmentError(
                "deadline_passed", _("Time was up: the attempt was closed at its deadline and graded.")
            )
    raise AssessmentError("already_submitted", _("This attempt has already been submitted."))


# While a shared grading run is queued and has not started, this key is in the cache every process shares.
GRADING_RUN_KEY = "assessments:grading-run-queued"
# A run lost with its worker leaves the key: after this long the next submit queues another (and the beat's sweep
# grades what was left after GRADING_SWEEP_AFTER).
GRADING_RUN_KEY_SECONDS = 30


def _queue_grading(attempt_id: int) -> None:
    """Hand the automatic grading to Celery; if the broker cannot take it, grade here: a submit is never failed or
    lost by a broker outage (and `grade_waiting_attempts` picks up anything still left, e.g. a lost worker).

    With ASSESSMENT_GRADING_SHARED_RUN (a cache all processes share: Redis), submits share one queued run
    (`grade_submitted_attempts`): only the submit that sets GRADING_RUN_KEY queues it, the others find it set and
    queue nothing. Sending a Celery message costs more CPU than the rest of a submit, so in the burst at the end of
    a quiz this is most of the saving. The run clears the key before it reads what waits (`grade_waiting_now`), so
    a submit that found the key set had committed before that read, and sees its attempt graded by that run."""
    if not settings.ASSESSMENT_GRADING_SHARED_RUN:
        enqueue_or_run(GRADE_ONE_TASK, attempt_id=attempt_id)
        return
    if not _grading_run_mark():
        return  # a run is queued and has not started: it grades this attempt
    outcome = enqueue_or_run(GRADE_WAITING_TASK, run_instead=(GRADE_ONE_TASK, {"attempt_id": attempt_id}))
    if outcome != "sent":  # nothing is queued after all: the next submit tries again
        _grading_run_unmark()


def _grading_run_mark() -> bool:
    """Set GRADING_RUN_KEY unless it is set; True when this call set it (so must queue the run). A cache that cannot
    be reached says True: each submit then queues its own."""
    try:
        return bool(cache.add(GRADING_RUN_KEY, 1, timeout=GRADING_RUN_KEY_SECONDS))
    except Exception:  # noqa: BLE001 - Redis down: no sharing, the broker path decides
        logger.warning("Cache unreachable; the submit queues its own grading run", exc_info=True)
        return True


def _grading_run_unmark() -> None:
    try:
        cache.delete(GRADING_RUN_KEY)
    except Exception:  # noqa: BLE001 - the key expires by itself after GRADING_RUN_KEY_SECONDS
        logger.warning("Cache unreachable; the grading run key expires by itself", exc_info=True)


def attempt_grade_submitted(*, attempt_id: int, skip_locked: bool = False) -> bool:
    """The automatic grading of a submitted attempt, exactly once: the attempt's row is locked and only an attempt
    still waiting for it (submitted, no score yet) is graded, so a task run twice, or at the same time as the sweep,
    grades once (on PostgreSQL the second waits for the first and then finds the score set). False when there was
    nothing to grade."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",), no_key=True, skip_locked=skip_locked)
            .select_related("quiz")
            .filter(pk=attempt_id, status=Attempt.Status.SUBMITTED, score__isnull=True)
            .first()
        )
        if attempt is None:
            return False
        _grade(attempt, now=timezone.now())
    return True


GRADING_SWEEP_AFTER = dt.timedelta(minutes=2)


def grade_waiting_attempts() -> int:
    """The safety net (beat, every minute): grade attempts submitted more than GRADING_SWEEP_AFTER ago whose
    grading never ran (a worker lost with its task, a fallback that failed). Returns how many were graded."""
    return _grade_waiting(submitted_before=timezone.now() - GRADING_SWEEP_AFTER)


def grade_waiting_now() -> int:
    """The shared grading run (`_queue_grading`): clear GRADING_RUN_KEY first (a submit after this queues the next
    run), then grade every attempt waiting for its automatic grading. Returns how many this run graded."""
    _grading_run_unmark()
    return _grade_waiting(submitted_before=None)


def _grade_waiting(*, submitted_before: dt.datetime | None, chunk: int = 200) -> int:
    """Grade waiting attempts, oldest first, each in its own transaction, until none is left. One another run holds
    (skip_locked) is that run's; one that fails is logged and left to the sweep, the others still graded (and the
    first error raised at the end, so the task is retried). Returns how many were graded here."""
    waiting = Attempt.objects.filter(status=Attempt.Status.SUBMITTED, score__isnull=True)
    if submitted_before is not None:
        waiting = waiting.filter(submitted_at__lte=submitted_before)
    graded, passed, failure = 0, set(), None
    while ids := list(
        waiting.exclude(pk__in=passed).order_by("submitted_at", "pk").values_list("id", flat=True)[:chunk]
    ):
        for attempt_id in ids:
            try:
                done = attempt_grade_submitted(attempt_id=attempt_id, skip_locked=True)
            except Exception as exc:  # noqa: BLE001 - one bad attempt must not hold up the others
                logger.exception("Grading attempt %s failed", attempt_id)
                done, failure = False, failure or exc
            if done:
                graded += 1
            else:
                passed.add(attempt_id)
    if failure is not None:
        raise failure
    return graded


def _close_and_grade(attempt: Attempt, *, now: dt.datetime, auto: bool) -> bool:
    """Close an overdue attempt (start, save or view after its deadline; the beat) and grade it in the same
    transaction: the claim is a conditional UPDATE (only one caller ever wins). These closes are spread out in
    time, unlike the submits at the end of a quiz, so they grade at once (the demo data's submits too)."""
    submitted_at = min(now, attempt.deadline) if auto and attempt.deadline else now
    claimed = Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(
        status=Attempt.Status.SUBMITTED, submitted_at=submitted_at, auto_closed=auto
    )
    if not claimed:
        return False
    attempt.status, attempt.submitted_at, attempt.auto_closed = Attempt.Status.SUBMITTED, submitted_at, auto
    _grade(attempt, now=now)
    return True


def _grade(attempt: Attempt, *, now: dt.datetime) -> None:
    """Score the automatic parts of a claimed attempt (its row held by the caller) set-based: one read of the items,
    one UPDATE of their scores, the area scores and the attempt. Answers a person must grade are marked."""
    items = _items_for_grading(attempt.pk)
    for item in items:
        fraction = grading.fraction_for(item.version, item.answer)
        if fraction is None:
            item.needs_grading = item.answer is not None
            item.score = None if item.needs_grading else Decimal("0")
        else:
            item.score = _q2(item.points * fraction)
    AttemptItem.objects.bulk_update(items, ["score", "needs_grading"])
    _finalise_if_complete(attempt, items=items, now=now)


def _items_for_grading(attempt_id: int) -> list[AttemptItem]:
    """The attempt's items with what scoring reads of their versions (not the stem, explanation or tags)."""
    return list(
        AttemptItem.objects.filter(attempt_id=attempt_id)
        .select_related("version")
        .only(
            "id",
            "attempt",
            "points",
            "answer",
            "score",
            "needs_grading",
            "version",
            "version__qtype",
            "version__options",
            "version__answer",
            "version__partial_credit",
            "version__category",
            "version__competency",
        )
    )


def _finalise_if_complete(attempt: Attempt, *, items: list[AttemptItem], now: dt.datetime, notify: bool = True) -> None:
    score = sum((i.score or Decimal("0") for i in items), Decimal("0"))
    attempt.score = _q2(score)
    fields = ["score"]
    if not any(i.needs_grading for i in items):
        regrade = attempt.graded_at is not None
        attempt.status = Attempt.Status.GRADED
        attempt.graded_at = now
        attempt.percent = _q2(score * 100 / attempt.max_score) if attempt.max_score else Decimal("0")
        attempt.passed = attempt.percent >= attempt.quiz.pass_mark
        fields += ["status", "graded_at", "percent", "passed"]
        _store_area_scores(attempt, items, replace=regrade)
        effects = {
            "attempt_id": attempt.pk,
            "record": not regrade,
            "notify": notify,
            "course_id": attempt.quiz.course_id if attempt.passed and attempt.quiz.is_final else None,
        }
        if effects["record"] or effects["notify"] or effects["course_id"]:
            transaction.on_commit(lambda: _enqueue_graded_effects(**effects))
        if attempt.passed:
            _complete_assignments(attempt, now=now)
    attempt.save(update_fields=fields)


def _complete_assignments(attempt: Attempt, *, now: dt.datetime) -> int:
    """A pass completes the person's open assignment of this quiz (one conditional UPDATE), whether the result
    became final by automatic grading or by a trainer's."""
    return QuizAssignment.objects.filter(
        user_id=attempt.user_id, quiz_id=attempt.quiz_id, completed_at__isnull=True
    ).update(completed_at=now)


def _enqueue_graded_effects(**effects) -> None:
    """After commit: hand the side effects of a final result to Celery; if the broker cannot take the task, run
    them here rather than lose them."""
    enqueue_or_run(GRADED_EFFECTS_TASK, **effects)


def attempt_graded_run_effects(*, attempt_id: int, record: bool, notify: bool, course_id: int | None) -> None:
    """What follows a final result, outside the request: the managers' figures (once per attempt), the notice to
    the person (when a trainer graded part of it), and the course completion after a passed final exam."""
    # The recording is additive, so it runs last: a retry after a failure above it cannot count an attempt twice
    # (the notice and the completion are idempotent).
    if notify:
        _notify_attempt_graded(attempt_id)
    if course_id:
        user_id = Attempt.objects.filter(pk=attempt_id).values_list("user_id", flat=True).first()
        if user_id is not None:
            enrollment_refresh(user_id=user_id, course_id=course_id)
    if record:
        _record_on_dashboards(attempt_id)


def _record_on_dashboards(attempt_id: int) -> None:
    """Feed the managers' precomputed figures (once per attempt: a regrade does not count again): the apps above
    count it (`hooks.attempt_recorded`; dashboards/)."""
    attempt = (
        Attempt.objects.select_related("quiz")
        .only("user_id", "percent", "passed", "quiz", "quiz__plan_id", "quiz__course_id")
        .get(pk=attempt_id)
    )
    categories: dict[int, float] = {}
    competencies: dict[int, float] = {}
    for area in AttemptAreaScore.objects.filter(attempt_id=attempt_id):
        share = float(area.score * 100 / area.max_score) if area.max_score else 0.0
        if area.category_id:
            categories[area.category_id] = share
        if area.competency_id:
            competencies[area.competency_id] = share
    hooks.attempt_recorded.call(
        user_id=attempt.user_id,
        score=float(attempt.percent or 0),
        passed=bool(attempt.passed),
        category_scores=categories,
        competency_scores=competencies,
        plan_id=attempt.quiz.plan_id,
        course_id=attempt.quiz.course_id,
    )


def _store_area_scores(attempt: Attempt, items: list[AttemptItem], *, replace: bool) -> None:
    by_category: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    by_competency: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for item in items:
        for axis, ref in ((by_category, item.version.category_id), (by_competency, item.version.competency_id)):
            if ref:
                axis[ref][0] += item.score or Decimal("0")
                axis[ref][1] += item.points
    if replace:  # a regrade replaces the stored rows
        AttemptAreaScore.objects.filter(attempt=attempt).delete()
    AttemptAreaScore.objects.bulk_create(
        [
            AttemptAreaScore(attempt=attempt, category_id=k, score=_q2(s), max_score=m)
            for k, (s, m) in by_category.items()
        ]
        + [
            AttemptAreaScore(attempt=attempt, competency_id=k, score=_q2(s), max_score=m)
            for k, (s, m) in by_competency.items()
        ]
    )


def _notify_attempt_graded(attempt_id: int) -> None:
    """Called after commit once an attempt's result is final. The person hears "quiz graded" (in-app + e-mail,
    exactly once per attempt) only when a trainer graded part of it by hand: an automatic result is shown at once."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_related("quiz")
            .filter(pk=attempt_id, status=Attempt.Status.GRADED, items__graded_by__isnull=False)
            .distinct()
            .first()
        )
        if attempt is None:
            logger.debug("attempt %s graded automatically: no notice", attempt_id)
            return
        hooks.attempt_graded_by_hand.call(attempt=attempt)


def attempt_close_if_overdue(*, attempt_id: int) -> bool:
    """Close and grade an open attempt past its deadline. Safe to run twice and concurrently."""
    with transaction.atomic():
        now = timezone.now()
        attempt = (
            Attempt.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("quiz")
            .filter(pk=attempt_id, status=Attempt.Status.IN_PROGRESS, deadline__lte=now)
            .first()
        )
        if attempt is None:
            return False
        return _close_and_grade(attempt, now=now, auto=True)


def close_overdue_attempts(*, limit: int = 500) -> int:
    ids = list(
        Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline__lte=timezone.now())
        .order_by("deadline")
        .values_list("id", flat=True)[:limit]
    )
    return sum(1 for attempt_id in ids if attempt_close_if_overdue(attempt_id=attempt_id))


@transaction.atomic
def item_grade(*, item: AttemptItem, grader, score: Decimal, comment: str = "") -> AttemptItem:
    """A trainer's score for one manual answer; the attempt is final when its last part is graded."""
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=item.attempt_id)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        raise AssessmentError("not_submitted", _("This attempt has not been submitted yet."))
    if attempt.is_grading:  # its grading task has not run yet: grade the automatic parts first (we hold the row)
        _grade(attempt, now=timezone.now())
    item = AttemptItem.objects.select_related("version").get(pk=item.pk)
    try:
        score = Decimal(str(score))
    except ArithmeticError:
        raise ValidationError({"score": _("Enter a number.")}) from None
    if not score.is_finite() or score < 0 or score > item.points:
        raise ValidationError({"score": _("The score must be between 0 and %(max)s.") % {"max": item.points}})
    item.score = _q2(score)
    item.grader_comment = comment[:5000]
    item.graded_by = grader
    item.graded_at = timezone.now()
    item.needs_grading = False
    item.save(update_fields=["score", "grader_comment", "graded_by", "graded_at", "needs_grading"])
    items = _items_for_grading(attempt.pk)
    was_graded = attempt.status == Attempt.Status.GRADED
    if was_graded:
        attempt.status = Attempt.Status.SUBMITTED  # a regrade recomputes the stored numbers
    # A regrade recomputes the stored numbers; the person was already told when the result became final.
    _finalise_if_complete(attempt, items=items, now=timezone.now(), notify=not was_graded)
    return item


# ---------------------------------------------------------------------------------------------------------------
# Quizzes


def _plan_exam_changed(*plan_ids: int | None) -> None:
    """A plan quiz was added, moved to another day or plan: which quiz is the plan's final-day exam may have
    changed, so the managers' precomputed plan figures are rebuilt after commit."""
    hooks.plan_exam_changed.call(plan_ids=[pid for pid in plan_ids if pid])


def _latest_version_id() -> int:
    """Version ids only grow: a quiz pinned at this id gives every question's version as of now."""
    return QuestionVersion.objects.aggregate(m=Max("id"))["m"] or 0


def _pin_versions(quiz: Quiz, *, was_published: bool) -> None:
    """On publishing, the quiz keeps the question versions of that moment; a draft follows the current ones."""
    if quiz.status != Quiz.Status.PUBLISHED:
        quiz.versions_upto = None
    elif not was_published or quiz.versions_upto is None:
        quiz.versions_upto = _latest_version_id()


@transaction.atomic
def quiz_create(*, owner, title: str, questions: Iterable[Question] = (), **fields) -> Quiz:
    quiz = Quiz(title=title, **fields)
    quiz.full_clean()
    _pin_versions(quiz, was_published=False)
    quiz.save()
    if quiz.plan_id:
        _plan_exam_changed(quiz.plan_id)
    if owner is not None:
        quiz.owners.add(owner)
    for order, question in enumerate(questions, start=1):
        quiz.quiz_questions.create(question=question, order=order)
    return quiz


def quiz_publish_check(*, quiz: Quiz, questions: list[Question], rules: list[dict]) -> None:
    """Refuse (ValidationError) to publish a quiz that some attempt could not be given: no question at all, or a
    random rule its bank cannot fill (see `selectors.quiz_publish_problems`). Only what the quiz's mode uses counts."""
    if quiz.status != Quiz.Status.PUBLISHED:
        return
    fixed = [q.pk for q in questions] if quiz.mode in (Quiz.Mode.FIXED, Quiz.Mode.MIXED) else []
    drawn = rules if quiz.mode in (Quiz.Mode.RANDOM, Quiz.Mode.MIXED) else []
    if not fixed and not [r for r in drawn if r.get("count")]:
        field = "questions" if quiz.mode == Quiz.Mode.FIXED else "rules"
        raise ValidationError(
            {field: [_("A published quiz needs questions: add fixed questions or a random rule.")]}, code="empty"
        )
    problems = selectors.quiz_publish_problems(question_ids=fixed, rules=drawn)
    if problems:
        raise ValidationError({"rules": problems}, code="rules_unmet")


@transaction.atomic
def quiz_save(
    *,
    quiz: Quiz,
    owner,
    questions: list[Question],
    rules: list[dict],
    points: dict[int, Decimal] | None = None,
) -> Quiz:
    """Save a quiz built in the form: its settings, its fixed questions in order (with their points, by question id,
    when given; else they keep theirs, 1 for a new one), and its random rules. Publishing is refused when an attempt
    could not be given its questions (`quiz_publish_check`).

    Attempts already started are not touched: their questions were frozen at start."""
    quiz.full_clean()
    points = points or {}
    for value in points.values():
        if value is None or value <= 0:
            raise ValidationError({"questions": [_("Each question's points must be a number above 0.")]})
    quiz_publish_check(quiz=quiz, questions=questions, rules=rules)
    old_plan, old_day, old_status = Quiz.objects.filter(pk=quiz.pk).values_list(
        "plan_id", "plan_day", "status"
    ).first() or (None, None, None)
    _pin_versions(quiz, was_published=old_status == Quiz.Status.PUBLISHED)
    quiz.save()
    if (old_plan, old_day) != (quiz.plan_id, quiz.plan_day):
        _plan_exam_changed(old_plan, quiz.plan_id)
    if owner is not None:
        quiz.owners.add(owner)
    existing = {row.question_id: row for row in quiz.quiz_questions.all()}
    keep = set()
    for order, question in enumerate(questions, start=1):
        row = existing.get(question.id)
        wanted = points.get(question.id)
        if row is None:
            quiz.quiz_questions.create(question=question, order=order, points=wanted or 1)
        elif row.order != order or (wanted is not None and row.points != wanted):
            row.order = order
            row.points = wanted if wanted is not None else row.points
            row.save(update_fields=["order", "points"])
        keep.add(question.id)
    quiz.quiz_questions.exclude(question_id__in=keep).delete()
    quiz.rules.all().delete()
    QuizRule.objects.bulk_create(
        [
            QuizRule(
                quiz=quiz,
                category=r.get("category"),
                competency=r.get("competency"),
                difficulty=r.get("difficulty"),
                count=r["count"],
                points=r.get("points") or 1,
            )
            for r in rules
        ]
    )
    return quiz


@transaction.atomic
def quiz_take_new_versions(*, quiz: Quiz, user, request=None) -> int:
    """An owner takes the questions' newest versions into a published quiz; attempts started later get them.
    Returns how many questions changed for the quiz."""
    quiz = Quiz.objects.select_for_update().get(pk=quiz.pk)
    changed = selectors.quiz_outdated_questions(quiz=quiz)
    if quiz.status == Quiz.Status.PUBLISHED and changed:
        quiz.versions_upto = _latest_version_id()
        quiz.save(update_fields=["versions_upto", "updated_at"])
        audit_log_record(
            actor=user, action=AuditAction.QUIZ_NEW_VERSIONS, obj=quiz, details={"questions": changed}, request=request
        )
    return changed


# ---------------------------------------------------------------------------------------------------------------
# Preview as a learner (the builder's "预览"): drawn fresh, shown like an attempt, nothing recorded

PREVIEW_MAX_ITEMS = 300


def quiz_preview_draw(*, quiz: Quiz) -> list[AttemptItem]:
    """The questions an attempt started now would get (random rules drawn fresh, options shuffled as the quiz says),
    as unsaved AttemptItems numbered 1..n (their `id` is the number): nothing is written. AssessmentError when the
    quiz could not start (no questions, a rule its bank cannot fill)."""
    return [
        AttemptItem(id=order, order=order, version=version, option_order=keys, points=points)
        for order, (version, keys, points) in enumerate(_draw(quiz), start=1)
    ]


def quiz_preview_check(*, posted) -> tuple[list[AttemptItem], Decimal, Decimal, bool]:
    """Grade a preview form (the versions, option orders and points it was drawn with, and the answers clicked)
    the way an attempt would be graded, in memory: nothing is written. Returns (items with answer and score set,
    score, max score, any question left to a trainer). ValidationError for a form that is not a preview's."""
    try:
        n = min(int(posted.get("count", "0")), PREVIEW_MAX_ITEMS)
        drawn = [
            (
                order,
                int(posted.get(f"v-{order}", "")),
                [k for k in posted.get(f"o-{order}", "").split(",") if k],
                Decimal(posted.get(f"p-{order}", "")),
            )
            for order in range(1, n + 1)
        ]
    except (ValueError, ArithmeticError):
        raise ValidationError(_("This preview form is incomplete; open the preview again.")) from None
    versions = QuestionVersion.objects.in_bulk([version_id for _o, version_id, _k, _p in drawn])
    if not drawn or len(versions) != len({v for _o, v, _k, _p in drawn}):
        raise ValidationError(_("This preview form is incomplete; open the preview again."))
    items, score, max_score, manual = [], Decimal("0"), Decimal("0"), False
    for order, version_id, keys, points in drawn:
        version = versions[version_id]
        item = AttemptItem(id=order, order=order, version=version, option_order=keys, points=points)
        name = f"q-{order}"
        raw = posted.getlist(name) if version.qtype == QuestionType.MULTIPLE else (posted.get(name, "").strip() or None)
        try:
            item.answer = _clean_answer(item_id=order, qtype=version.qtype, option_order=keys, value=raw)
        except ValidationError:
            item.answer = None
        fraction = grading.fraction_for(version, item.answer)
        if fraction is None:
            manual = True
        else:
            item.score = _q2(points * fraction)
            score += item.score
        item.needs_grading = fraction is None
        max_score += points
        items.append(item)
    return items, score, max_score, manual


# ---------------------------------------------------------------------------------------------------------------
# Assigning from the quiz's page (its owners: a team or a person they may reach)


def quiz_assign_by_owner(*, quiz: Quiz, by, due_date, team=None, person=None) -> dict:
    """Assign the quiz (`quiz_assign`: published only, a due date not in the past, each person notified) to the
    members of `team` and its sub-teams, or to `person`, among the people `by` may reach
    (`trainees.selectors.people_for_user`). ValidationError when nobody reachable is left."""
    reachable = people_for_user(user=by).filter(is_active=True)
    if team is not None:
        reachable = reachable.filter(team_id__in=team_subtree_ids(team_ids=[team.pk]))
    elif person is not None:
        reachable = reachable.filter(pk=person.pk)
    else:
        reachable = reachable.none()
    user_ids = list(reachable.values_list("id", flat=True))
    if not user_ids:
        raise ValidationError({"who": [_("Nobody you may assign to is in this team.")]}, code="nobody")
    return quiz_assign(user_ids=user_ids, quiz=quiz, due_date=due_date, by=by)


# ---------------------------------------------------------------------------------------------------------------
# Requests for another attempt

# The audit action of a trainer's decision on a request (lms.audit.AuditAction lists the shared ones).
AUDIT_ATTEMPT_REQUEST_DECIDED = "quiz.attempt_request_decided"


@transaction.atomic
def attempt_request_create(*, quiz: Quiz, user) -> AttemptRequest:
    """A learner with no attempt left, who has not passed, asks the quiz's owners for one more. One open request
    per person and quiz: asking again while one is open answers AssessmentError("already_requested")."""
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).order_by().values_list(
        "pk", flat=True
    ).first()
    standing = selectors.quiz_standing_for(user=user, quiz=quiz)
    if standing.requested:
        raise AssessmentError("already_requested", _("You have already asked for another attempt at this quiz."))
    if standing.passed:
        raise AssessmentError("already_passed", _("You have passed this quiz: no other attempt is needed."))
    if standing.closed:
        raise AssessmentError("closed", _("This quiz has closed."))
    if not standing.can_request:
        raise AssessmentError(
            "attempts_left",
            _("You can still take this quiz yourself: another attempt is only asked for once none is left."),
        )
    try:
        with transaction.atomic():
            return AttemptRequest.objects.create(quiz=quiz, user=user)
    except IntegrityError:  # one open per person and quiz
        raise AssessmentError(
            "already_requested", _("You have already asked for another attempt at this quiz.")
        ) from None


@transaction.atomic
def attempt_request_decide(*, attempt_request: AttemptRequest, by, grant: bool, request=None) -> AttemptRequest:
    """The quiz's owner grants (one more attempt for that person) or declines an open request; audited, and the
    person is told either way (`hooks.attempt_request_decided`). Deciding twice answers AssessmentError."""
    locked = (
        AttemptRequest.objects.select_for_update(of=("self",)).select_related("quiz", "user").get(pk=attempt_request.pk)
    )
    if locked.status != AttemptRequest.Status.OPEN:
        raise AssessmentError("already_decided", _("This request has already been answered."))
    locked.status = AttemptRequest.Status.GRANTED if grant else AttemptRequest.Status.DECLINED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_log_record(
        actor=by,
        action=AUDIT_ATTEMPT_REQUEST_DECIDED,
        obj=locked,
        details={"quiz": locked.quiz_id, "person": locked.user_id, "decision": locked.status},
        request=request,
    )
    hooks.attempt_request_decided.call(attempt_request=locked)
    return locked


# ---------------------------------------------------------------------------------------------------------------
# Assignments (a manager's "take this quiz by then")

# The audit action of a quiz assigned or re-dated (lms.audit.AuditAction lists the shared ones).
AUDIT_QUIZ_ASSIGN = "quiz.assign"


@transaction.atomic
def quiz_assign(*, user_ids, quiz: Quiz, due_date, by) -> dict:
    """Assign a published quiz to people by a due date, set-based (`lms.assignments.assignments_upsert`), with one
    audit entry per new or re-dated assignment. Each of those notifies its person (`hooks.quizzes_assigned`, in this
    transaction). An assignment lets the person take the quiz even outside its course (`selectors.quizzes_for_user`).
    The caller checks who `by` may assign to. Returns {"assigned", "updated", "unchanged"} (people counted once
    each). ValidationError for a quiz that is not published, no due date or a due date in the past."""
    if quiz.status != Quiz.Status.PUBLISHED:
        raise ValidationError(
            {"quiz": [_("Only a published quiz can be assigned: publish it first.")]}, code="not_published"
        )
    due_date_check(due_date)
    counts, touched, current = assignments_upsert(
        model=QuizAssignment, field="quiz", target=quiz, user_ids=user_ids, due_date=due_date, by=by, related=("user",)
    )
    for assignment in touched:
        assignment.quiz = quiz
    if touched:
        audit_log_record_many(
            actor=by,
            action=AUDIT_QUIZ_ASSIGN,
            changes=[
                (
                    a,
                    {
                        "quiz": quiz.pk,
                        "person": a.user_id,
                        "from_due_date": current.get(a.user_id),
                        "to_due_date": due_date,
                    },
                )
                for a in touched
            ],
        )
        hooks.quizzes_assigned.call(assignments=touched)
    return counts

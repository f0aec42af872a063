"""REST API for the question bank, quizzes, attempts, grading and item analysis. Thin: selectors and services."""

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import parsers, selectors, services
from assessments.models import Attempt, AttemptRequest, Question, QuestionType, Quiz
from lms.api.exceptions import error_response
from lms.api.schema import conflict
from lms.api.serializers import JSONInSerializer
from lms.permissions import HasRole
from lms.roles import TRAINER


def _jsonable(value):
    """Decimals as strings, as DRF's serializers give them."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return str(value) if isinstance(value, Decimal) else value


def _attempt(request, attempt, **kwargs) -> Response:
    return Response(_jsonable(selectors.attempt_view(user=request.user, attempt=attempt)), **kwargs)


def _conflict(exc: services.AssessmentError) -> Response:
    return error_response(exc.code, exc.message, exc.status)


# ---------------------------------------------------------------------------------------------------------------
# Questions


class OptionIO(JSONInSerializer):
    key = serializers.CharField(read_only=True)
    text = serializers.CharField(max_length=2000)
    weight = serializers.FloatField(min_value=-100, max_value=100, default=0)
    feedback = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class QuestionIn(JSONInSerializer):
    bank = serializers.IntegerField(required=False)
    qtype = serializers.ChoiceField(choices=QuestionType.choices)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    stem = serializers.CharField(max_length=20000)
    options = OptionIO(many=True, required=False, default=list)
    answer = serializers.JSONField(required=False, default=dict, allow_null=True)
    partial_credit = serializers.CharField(required=False, default="all")
    explanation = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    category = serializers.CharField(required=False, allow_blank=True, default="")
    competency = serializers.CharField(required=False, allow_blank=True, default="")
    difficulty = serializers.IntegerField(min_value=1, max_value=5, default=3)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)

    def validate_answer(self, value):
        # null: no answer key given (as when the field is left out); the question's type says what it needs.
        return {} if value is None else value


class QuestionOut(serializers.ModelSerializer):
    version = serializers.IntegerField(source="current.number")
    title = serializers.CharField(source="current.title")
    stem = serializers.CharField(source="current.stem")
    options = serializers.JSONField(source="current.options")
    answer = serializers.JSONField(source="current.answer")
    partial_credit = serializers.CharField(source="current.partial_credit")
    explanation = serializers.CharField(source="current.explanation")
    tags = serializers.JSONField(source="current.tags")
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    competency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    editable = serializers.BooleanField(
        read_only=True, help_text="Whether you may change it (PUT); otherwise copy it (POST .../copy/)."
    )

    class Meta:
        model = Question
        fields = [
            "id",
            "bank",
            "editable",
            "qtype",
            "version",
            "title",
            "stem",
            "options",
            "answer",
            "partial_credit",
            "explanation",
            "category",
            "competency",
            "difficulty",
            "tags",
        ]


class QuestionListView(generics.ListCreateAPIView):
    """Trainers: the shared question bank. POST creates a question (version 1)."""

    permission_classes = [HasRole.of(TRAINER)]
    serializer_class = QuestionOut

    def get_queryset(self):
        bank = self.request.query_params.get("bank")
        return selectors.question_list(
            user=self.request.user,
            bank_id=int(bank) if bank and bank.isdigit() else None,
            search=self.request.query_params.get("q", "").strip(),
        )

    @extend_schema(request=QuestionIn, responses={201: QuestionOut})
    def post(self, request):
        data = QuestionIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        bank_id = values.pop("bank", None)
        bank = (
            selectors.bank_get_for_user(user=request.user, bank_id=bank_id)
            if bank_id
            else services.bank_get_or_create_default(user=request.user)
        )
        question = services.question_create(bank=bank, author=request.user, data=values)
        question = selectors.question_get_for_user(user=request.user, question_id=question.pk)
        return Response(QuestionOut(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailView(APIView):
    permission_classes = [HasRole.of(TRAINER)]

    @extend_schema(responses=QuestionOut)
    def get(self, request, pk: int):
        return Response(QuestionOut(selectors.question_get_for_user(user=request.user, question_id=pk)).data)

    @extend_schema(request=QuestionIn, responses=QuestionOut)
    def put(self, request, pk: int):
        """Editing creates a new version; attempts already started keep theirs, and published quizzes keep theirs
        until their owner takes the new one. A fixed question of quizzes you don't own is theirs (and its
        author's) to change: 403 `not_question_owner`; copy it instead (`POST .../copy/`)."""
        question = selectors.question_get_for_user(user=request.user, question_id=pk)
        if not selectors.question_can_edit(user=request.user, question=question):
            raise exceptions.PermissionDenied(services.NOT_YOURS_TO_EDIT, code="not_question_owner")
        data = QuestionIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("bank", None)
        services.question_update(question=question, author=request.user, data=values)
        question = selectors.question_get_for_user(user=request.user, question_id=pk)
        return Response(QuestionOut(question).data)


class QuestionCopyView(APIView):
    permission_classes = [HasRole.of(TRAINER)]

    @extend_schema(request=None, responses={201: QuestionOut})
    def post(self, request, pk: int):
        """A copy of the question's current version, of your own (version 1), in the same bank."""
        question = selectors.question_get_for_user(user=request.user, question_id=pk)
        copy = services.question_copy(question=question, user=request.user)
        copy = selectors.question_get_for_user(user=request.user, question_id=copy.pk)
        return Response(QuestionOut(copy).data, status=status.HTTP_201_CREATED)


class ImportIn(JSONInSerializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=parsers.FORMATS)
    dry_run = serializers.BooleanField(default=False)
    valid_only = serializers.BooleanField(default=False)
    bank = serializers.IntegerField(required=False)


class ImportErrorOut(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class ImportOut(serializers.Serializer):
    parsed = serializers.IntegerField(help_text="questions parsed without error")
    imported = serializers.IntegerField(help_text="0 while a background import runs (see job)")
    dry_run = serializers.BooleanField()
    errors = ImportErrorOut(many=True)
    job = serializers.IntegerField(
        allow_null=True, help_text="large files: the background job to follow at /api/v1/jobs/<id>/ (answer 202)"
    )


class QuestionImportView(APIView):
    """Multipart `file` + `format`; with `dry_run` nothing is written. Errors block the import unless
    `valid_only` is set."""

    permission_classes = [HasRole.of(TRAINER)]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=ImportIn,
        responses={200: ImportOut, 202: ImportOut, 400: OpenApiResponse(description="file rejected")},
    )
    def post(self, request):
        data = ImportIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        bank = (
            selectors.bank_get_for_user(user=request.user, bank_id=values["bank"])
            if values.get("bank")
            else services.bank_get_or_create_default(user=request.user)
        )
        upload = values["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            return error_response(
                "file_rejected",
                _("The file is too large; the limit is %(max)s MB.") % {"max": settings.IMPORT_MAX_BYTES // 1048576},
                400,
            )
        try:
            outcome = services.import_upload(
                bank=bank,
                user=request.user,
                fmt=values["format"],
                data=upload.read(),
                dry_run=values["dry_run"],
                valid_only=values["valid_only"],
            )
        except parsers.FileRejected as exc:
            return error_response("file_rejected", str(exc), 400)
        if outcome["blocked"]:
            return Response(
                {
                    "error": {
                        "code": "import_has_errors",
                        "message": _(
                            "The file has %(n)s errors and nothing was imported; fix them, or send valid_only=true "
                            "to import the valid questions only."
                        )
                        % {"n": len(outcome["errors"])},
                        "fields": {},
                    },
                    **outcome,
                },
                status=400,
            )
        return Response(outcome, status=status.HTTP_202_ACCEPTED if outcome["job"] else status.HTTP_200_OK)


# ---------------------------------------------------------------------------------------------------------------
# Quizzes and attempts


class QuizOut(serializers.ModelSerializer):
    class Meta:
        model = Quiz
        fields = [
            "id",
            "title",
            "description",
            "course",
            "is_final",
            "plan",
            "plan_day",
            "mode",
            "pass_mark",
            "attempts_allowed",
            "time_limit_minutes",
            "opens_at",
            "closes_at",
            "review_policy",
            "status",
        ]


class QuizListView(generics.ListAPIView):
    serializer_class = QuizOut

    def get_queryset(self):
        return selectors.quiz_list(user=self.request.user)


class QuizDetailView(generics.RetrieveAPIView):
    serializer_class = QuizOut

    def get_object(self):
        return selectors.quiz_get_for_user(user=self.request.user, quiz_id=self.kwargs["pk"])


class AttemptStartView(APIView):
    @extend_schema(
        request=None,
        responses={
            201: OpenApiResponse(description="the attempt (as GET attempts/<id>/)"),
            409: conflict(
                "The quiz cannot start now (`not_published`, `not_open`, `closed`, `no_attempts_left`, `no_questions`,"
                " `not_enough_questions`) or another start is under way (`start_conflict`)."
            ),
        },
    )
    def post(self, request, pk: int):
        quiz = selectors.quiz_get_for_user(user=request.user, quiz_id=pk)
        try:
            attempt = services.attempt_start(quiz=quiz, user=request.user)
        except services.AssessmentError as exc:
            return _conflict(exc)
        return _attempt(request, attempt, status=status.HTTP_201_CREATED)


class AttemptRequestOut(serializers.ModelSerializer):
    quiz_title = serializers.CharField(source="quiz.title")
    person = serializers.CharField(source="user")

    class Meta:
        model = AttemptRequest
        fields = ["id", "quiz", "quiz_title", "user", "person", "status", "created_at", "decided_at"]


class AttemptRequestCreateView(APIView):
    """A learner with no attempt left, who has not passed, asks the quiz's owners for another attempt."""

    @extend_schema(
        request=None,
        responses={
            201: AttemptRequestOut,
            409: conflict(
                "No request is needed or possible now: `already_requested`, `already_passed`, `closed`, "
                "`attempts_left`."
            ),
        },
    )
    def post(self, request, pk: int):
        quiz = selectors.quiz_get_for_user(user=request.user, quiz_id=pk)
        try:
            created = services.attempt_request_create(quiz=quiz, user=request.user)
        except services.AssessmentError as exc:
            return _conflict(exc)
        return Response(AttemptRequestOut(created).data, status=status.HTTP_201_CREATED)


class AttemptRequestListView(generics.ListAPIView):
    """Trainers: the open requests for another attempt at the quizzes they own (filter: `quiz`)."""

    permission_classes = [HasRole.of(TRAINER)]
    serializer_class = AttemptRequestOut

    def get_queryset(self):
        quiz = self.request.query_params.get("quiz", "")
        return selectors.attempt_requests_open(user=self.request.user, quiz_id=int(quiz) if quiz.isdigit() else None)


class AttemptRequestDecisionIn(JSONInSerializer):
    grant = serializers.BooleanField(help_text="true: one more attempt for that person; false: decline")


class AttemptRequestDecisionView(APIView):
    """The quiz's owner grants or declines a request; the person is notified either way."""

    permission_classes = [HasRole.of(TRAINER)]

    @extend_schema(
        request=AttemptRequestDecisionIn,
        responses={200: AttemptRequestOut, 409: conflict("The request was already answered (`already_decided`).")},
    )
    def post(self, request, pk: int):
        pending = selectors.attempt_request_get_for_owner(user=request.user, request_id=pk)
        data = AttemptRequestDecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            decided = services.attempt_request_decide(
                attempt_request=pending, by=request.user, grant=data.validated_data["grant"], request=request
            )
        except services.AssessmentError as exc:
            return _conflict(exc)
        return Response(AttemptRequestOut(decided).data)


class AttemptListOut(serializers.ModelSerializer):
    quiz_title = serializers.CharField(source="quiz.title")
    person = serializers.CharField(source="user")
    team = serializers.CharField(source="user.team", default=None, allow_null=True)

    class Meta:
        model = Attempt
        fields = [
            "id",
            "quiz",
            "quiz_title",
            "user",
            "person",
            "team",
            "number",
            "status",
            "started_at",
            "submitted_at",
            "score",
            "max_score",
            "percent",
            "passed",
        ]


class AttemptListView(generics.ListAPIView):
    """Results: one's own attempts; managers add their teams'; trainers add those of quizzes they own.
    Filters: `quiz`, `status`."""

    serializer_class = AttemptListOut

    def get_queryset(self):
        quiz = self.request.query_params.get("quiz", "")
        status_filter = self.request.query_params.get("status", "")
        return selectors.result_list(
            user=self.request.user,
            quiz_id=int(quiz) if quiz.isdigit() else None,
            status=status_filter if status_filter in Attempt.Status.values else "",
        )


class AttemptDetailView(APIView):
    @extend_schema(responses={200: OpenApiResponse(description="the attempt as the review policy allows")})
    def get(self, request, pk: int):
        attempt = selectors.attempt_get_for_user(user=request.user, attempt_id=pk)
        if selectors.attempt_is_overdue(attempt=attempt) and services.attempt_close_if_overdue(attempt_id=attempt.pk):
            attempt = selectors.attempt_get_for_user(user=request.user, attempt_id=pk)
        return _attempt(request, attempt)


class AnswersIn(JSONInSerializer):
    seq = serializers.IntegerField(
        min_value=1, max_value=2147483647, help_text="greater than the last saved sequence number"
    )
    answers = serializers.DictField(child=serializers.JSONField(allow_null=True), help_text="{item id: answer}")


class AnswersSavedOut(serializers.Serializer):
    seq = serializers.IntegerField(help_text="the sequence number saved")


class AttemptAnswersView(APIView):
    whole_body_patch = True  # seq and answers are both required

    @extend_schema(
        request=AnswersIn,
        responses={
            200: AnswersSavedOut,
            409: conflict(
                "Not saved: a save with this or a higher `seq` came first (`stale`), the attempt was submitted"
                " (`already_submitted`) or its time was up (`deadline_passed`)."
            ),
        },
    )
    def patch(self, request, pk: int):
        data = AnswersIn(data=request.data)
        if not data.is_valid():
            # Not theirs is 404 whatever the body (checked on this error path only: the hot path folds it in).
            selectors.attempt_get_for_taker(user=request.user, attempt_id=pk)
            data.is_valid(raise_exception=True)
        try:
            seq = services.attempt_save_answers_for_taker(
                user=request.user, attempt_id=pk, seq=data.validated_data["seq"], answers=data.validated_data["answers"]
            )
        except services.AssessmentError as exc:
            return _conflict(exc)
        return Response({"seq": seq})


class AttemptSubmittedOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text='"submitted"')
    grading = serializers.BooleanField(help_text="true: the automatic grading runs in the background")
    submitted_at = serializers.DateTimeField()
    result = serializers.CharField(help_text="GET it for the result; it says grading: true until it is there")


class AttemptSubmitView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(
                AttemptSubmittedOut,
                description="submitted (once: a second submit is a 409); the result follows in a few seconds",
            ),
            409: conflict(
                "Already submitted (`already_submitted`), or the time was up and the attempt was closed at its"
                " deadline (`deadline_passed`)."
            ),
        },
    )
    def post(self, request, pk: int):
        # The burst at the end of a quiz: one conditional UPDATE (the taker check folded in), grading in Celery.
        try:
            submitted_at = services.attempt_submit_for_taker(user=request.user, attempt_id=pk)
        except services.AssessmentError as exc:
            return _conflict(exc)
        data = {
            "id": pk,
            "status": Attempt.Status.SUBMITTED,
            "grading": True,
            "submitted_at": submitted_at,
            "result": reverse("api-attempt", args=[pk]),
        }
        return Response(AttemptSubmittedOut(data).data)


# ---------------------------------------------------------------------------------------------------------------
# Grading and analysis


class GradingItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    attempt = serializers.IntegerField(source="attempt_id")
    quiz = serializers.CharField(source="attempt.quiz.title")
    person = serializers.CharField(source="attempt.user")
    stem = serializers.CharField(source="version.stem")
    answer = serializers.JSONField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)


class GradeIn(JSONInSerializer):
    score = serializers.DecimalField(max_digits=8, decimal_places=2)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class GradingQueueView(generics.ListAPIView):
    permission_classes = [HasRole.of(TRAINER)]
    serializer_class = GradingItemOut

    def get_queryset(self):
        return selectors.grading_queue(user=self.request.user)


class GradeItemView(APIView):
    permission_classes = [HasRole.of(TRAINER)]

    @extend_schema(
        request=GradeIn,
        responses={200: GradingItemOut, 409: conflict("The attempt has not been submitted yet (`not_submitted`).")},
    )
    def post(self, request, pk: int):
        item = selectors.grading_item_get_for_user(user=request.user, item_id=pk)
        data = GradeIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            item = services.item_grade(
                item=item,
                grader=request.user,
                score=data.validated_data["score"],
                comment=data.validated_data["comment"],
            )
        except services.AssessmentError as exc:
            return _conflict(exc)
        return Response(GradingItemOut(selectors.grading_item_get_for_user(user=request.user, item_id=item.pk)).data)


class ItemAnalysisView(APIView):
    permission_classes = [HasRole.of(TRAINER)]

    @extend_schema(responses={200: OpenApiResponse(description="facility, discrimination, distribution, flags")})
    def get(self, request, pk: int):
        quiz = selectors.quiz_get_owned(user=request.user, quiz_id=pk)
        return Response(selectors.item_analysis(quiz=quiz))

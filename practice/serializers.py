from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lms.api.serializers import JSONInSerializer
from practice import selectors
from practice.engine.spec import rubric_of
from practice.models import PracticeSession, Scenario, Turn
from practice.services import MAX_REPLY_CHARS

POINT_STATE_CHOICES = [("covered", "covered"), ("partial", "partial"), ("missed", "missed"), ("contradicted", "contradicted")]  # fmt: skip


class ScenarioOut(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    competency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    persona = serializers.SerializerMethodField()
    pass_mark = serializers.SerializerMethodField()
    max_turns = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = [
            "id",
            "code",
            "title",
            "language",
            "difficulty",
            "status",
            "category",
            "competency",
            "persona",
            "situation",
            "goal",
            "pass_mark",
            "max_turns",
        ]

    def get_persona(self, obj) -> dict:
        return {"role": obj.persona_role, "company": obj.persona_company, "temperament": obj.persona_temperament}

    def get_pass_mark(self, obj) -> int:
        return int(rubric_of(obj.spec)["pass_mark"])

    def get_max_turns(self, obj) -> int:
        return int(obj.spec.get("max_turns", 0))


class TurnTraceOut(serializers.Serializer):
    node_id = serializers.CharField(help_text="the script node the customer's line comes from")
    matched_by = serializers.CharField(help_text="how the reply was matched: start, semantic, keyword, fallback, ...")
    objection = serializers.CharField(help_text="the objection raised with this line, or empty")
    detail = serializers.DictField(help_text="what the customer backend recorded (branch scores, threshold, ...)")


class TurnOut(serializers.ModelSerializer):
    trace = serializers.SerializerMethodField()

    class Meta:
        model = Turn
        fields = ["index", "speaker", "text", "created_at", "trace"]

    @extend_schema_field(TurnTraceOut(allow_null=True))
    def get_trace(self, obj) -> dict | None:
        """How the customer chose its line: customer turns, for those who may see the scorer's numbers only."""
        if not self.context.get("numbers") or obj.speaker != Turn.Speaker.CUSTOMER:
            return None
        detail = obj.trace if isinstance(obj.trace, dict) else {}
        return {"node_id": obj.node_id, "matched_by": obj.matched_by, "objection": obj.objection, "detail": detail}


class SessionStartIn(JSONInSerializer):
    scenario = serializers.IntegerField()


@extend_schema_field({"type": "string", "maxLength": MAX_REPLY_CHARS})
class ReplyTextField(serializers.CharField):
    """The reply as typed. `services.session_reply` checks it (empty, too long, no words, NUL or broken characters)
    with the same messages the page shows, so DRF's own character checks are left out; the schema keeps the limit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = []


class TurnIn(JSONInSerializer):
    text = ReplyTextField(allow_blank=True, trim_whitespace=False)


NUMBERS_HELP = "the scorer's similarities (semantic, lexical); null unless the caller may see the scorer's numbers"


class EvidenceOut(serializers.Serializer):
    turn = serializers.IntegerField(allow_null=True)
    quote = serializers.CharField()
    kind = serializers.CharField()
    code = serializers.CharField(help_text="reason code (practice/engine/reasons.py); empty on old scorecards")
    reason = serializers.CharField(help_text="why, rendered in the language of the request")
    numbers = serializers.DictField(child=serializers.FloatField(), allow_null=True, help_text=NUMBERS_HELP)


class ComplianceHitOut(EvidenceOut):
    match = serializers.CharField(help_text="the words that broke the rule")
    rule = serializers.CharField(help_text="rule code: financial_promise, absolute_claim, custom, ...")
    rule_label = serializers.CharField(help_text="the rule, in the language of the request")
    note = serializers.CharField(help_text="the scenario's note on a custom forbidden phrase, or empty")
    severity = serializers.ChoiceField(choices=[("blocker", "blocker"), ("warning", "warning"), ("", "")])
    severity_label = serializers.CharField()


class SubPointOut(serializers.Serializer):
    text = serializers.CharField()
    state = serializers.ChoiceField(choices=POINT_STATE_CHOICES)
    state_label = serializers.CharField()
    quote = serializers.CharField(allow_null=True)
    turn = serializers.IntegerField(allow_null=True)
    numbers = serializers.DictField(child=serializers.FloatField(), allow_null=True, help_text=NUMBERS_HELP)


class KeyPointOut(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField(help_text="the key point as the trainer wrote it")
    state = serializers.ChoiceField(choices=POINT_STATE_CHOICES)
    state_label = serializers.CharField(help_text="the state, in the language of the request")
    credit = serializers.FloatField(help_text="0-1: the share of the point's weight earned")
    quote = serializers.CharField(
        allow_null=True, help_text="the sentence that states it; for a miss, the nearest sentence the person said"
    )
    turn = serializers.IntegerField(allow_null=True)
    why = serializers.CharField(allow_null=True, help_text="why it was not credited: a code of reasons.WHY")
    why_text = serializers.CharField(help_text="`why`, rendered in the language of the request")
    sub_points = SubPointOut(many=True, help_text="the required parts of a compound point")
    missing_parts = serializers.ListField(child=serializers.CharField(), help_text="parts not covered")
    numbers = serializers.DictField(child=serializers.FloatField(), allow_null=True, help_text=NUMBERS_HELP)


class KeyPointStatesOut(serializers.Serializer):
    covered = serializers.ListField(child=serializers.CharField())
    partial = serializers.ListField(child=serializers.CharField())
    missed = serializers.ListField(child=serializers.CharField())
    contradicted = serializers.ListField(child=serializers.CharField())


class RecommendationOut(serializers.Serializer):
    dimension = serializers.CharField()
    label = serializers.CharField()
    tip = serializers.CharField()


class ScorerOut(serializers.Serializer):
    scorer_version = serializers.CharField()
    model_version = serializers.CharField()
    semantic_threshold = serializers.FloatField()
    lexical_threshold = serializers.FloatField()
    fallback_lexical_threshold = serializers.FloatField()
    pass_mark = serializers.FloatField()


class AdjustmentOut(serializers.Serializer):
    """A coach's re-scoring of one dimension (the latest counts)."""

    scorer_score = serializers.IntegerField(allow_null=True, help_text="What the scorer gave this dimension.")
    before = serializers.IntegerField(allow_null=True, help_text="The dimension's score just before this change.")
    reason = serializers.CharField()
    by = serializers.CharField(help_text="The coach's name.")
    at = serializers.DateTimeField()


class DimensionOut(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    score = serializers.IntegerField(allow_null=True, help_text="The score that counts (a coach's when adjusted).")
    band = serializers.CharField()
    band_label = serializers.CharField()
    weight = serializers.FloatField()
    evidence = EvidenceOut(many=True)
    adjusted = serializers.BooleanField(default=False)
    adjustment = AdjustmentOut(allow_null=True, default=None)


class CommentOut(serializers.Serializer):
    author = serializers.CharField()
    at = serializers.DateTimeField()
    body = serializers.CharField()


class CorrectedDimensionOut(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    before = serializers.IntegerField(allow_null=True)
    after = serializers.IntegerField()
    reason = serializers.CharField()


class CorrectionOut(serializers.Serializer):
    author = serializers.CharField()
    at = serializers.DateTimeField()
    before = serializers.IntegerField(help_text="The overall score before this correction.")
    after = serializers.IntegerField(help_text="The overall score recomputed from the dimensions.")
    passed = serializers.BooleanField()
    dimensions = CorrectedDimensionOut(many=True)


class PracticeSessionOut(serializers.ModelSerializer):
    """A session as the caller may read it. Pass `context={"request": request}`: the scorer's numbers and the
    customer's trace are included only for those `selectors.can_see_numbers` allows (null otherwise)."""

    scenario = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField()
    transcript = serializers.SerializerMethodField()
    dimensions = serializers.SerializerMethodField()
    scorer_score = serializers.SerializerMethodField()
    compliance_evidence = serializers.SerializerMethodField()
    offending_sentence = serializers.SerializerMethodField()
    key_points = serializers.SerializerMethodField()
    key_point_states = serializers.SerializerMethodField()
    compliance_hits = serializers.SerializerMethodField()
    recommendations = serializers.SerializerMethodField()
    numbers_visible = serializers.SerializerMethodField()
    scorer = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()
    corrections = serializers.SerializerMethodField()

    class Meta:
        model = PracticeSession
        fields = [
            "id",
            "scenario",
            "user",
            "status",
            "is_trial",
            "started_at",
            "finished_at",
            "score",
            "scorer_score",
            "passed",
            "compliance_failed",
            "offending_sentence",
            "compliance_evidence",
            "compliance_hits",
            "key_points",
            "key_point_states",
            "dimensions",
            "recommendations",
            "numbers_visible",
            "scorer",
            "transcript",
            "comments",
            "corrections",
        ]

    def _numbers(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request and selectors.can_see_numbers(user=request.user, session=obj))

    def _view(self, obj) -> dict:
        cache = self.context.setdefault("_scorecard_views", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.scorecard_view(session=obj, numbers=self._numbers(obj))
        return cache[obj.pk]

    def get_scenario(self, obj) -> dict:
        return {"id": obj.scenario_id, "code": obj.scenario.code, "title": obj.scenario.title}

    def get_user(self, obj) -> dict:
        return {"id": obj.user_id, "name": str(obj.user)}

    @extend_schema_field(TurnOut(many=True))
    def get_transcript(self, obj) -> list[dict]:
        context = {**self.context, "numbers": self._view(obj)["numbers"]}
        return TurnOut(obj.turns.all(), many=True, context=context).data

    @extend_schema_field(DimensionOut(many=True))
    def get_dimensions(self, obj) -> list[dict]:
        return DimensionOut(self._view(obj)["dimensions"], many=True).data

    def get_scorer_score(self, obj) -> int | None:
        return (obj.scorecard or {}).get("overall")

    @extend_schema_field(EvidenceOut(many=True))
    def get_compliance_evidence(self, obj) -> list[dict]:
        """The blockers that failed the session (see compliance_hits for every hit, with its rule)."""
        return EvidenceOut(self._view(obj)["blockers"], many=True).data

    def get_offending_sentence(self, obj) -> str | None:
        evidence = (obj.scorecard or {}).get("compliance_evidence") or []
        return evidence[0].get("quote") if evidence else None

    @extend_schema_field(KeyPointOut(many=True))
    def get_key_points(self, obj) -> list[dict]:
        return KeyPointOut(self._view(obj)["key_points"], many=True).data

    @extend_schema_field(KeyPointStatesOut)
    def get_key_point_states(self, obj) -> dict:
        return KeyPointStatesOut(self._view(obj)["key_point_states"]).data

    @extend_schema_field(ComplianceHitOut(many=True))
    def get_compliance_hits(self, obj) -> list[dict]:
        return ComplianceHitOut(self._view(obj)["compliance"], many=True).data

    @extend_schema_field(RecommendationOut(many=True))
    def get_recommendations(self, obj) -> list[dict]:
        return RecommendationOut(self._view(obj)["recommendations"], many=True).data

    def get_numbers_visible(self, obj) -> bool:
        """Whether the caller may see the scorer's numbers and the customer's trace (trainers, managers, admins)."""
        return self._view(obj)["numbers"]

    @extend_schema_field(ScorerOut(allow_null=True))
    def get_scorer(self, obj) -> dict | None:
        scorer = self._view(obj)["scorer"]
        return ScorerOut(scorer).data if scorer else None

    def _coaching(self, obj) -> dict:
        cache = self.context.setdefault("_coaching", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.coaching_of(session=obj)
        return cache[obj.pk]

    @extend_schema_field(CommentOut(many=True))
    def get_comments(self, obj) -> list[dict]:
        """The coaches' comments, oldest first, with the coach's name and the time."""
        return CommentOut(self._coaching(obj)["comments"], many=True).data

    @extend_schema_field(CorrectionOut(many=True))
    def get_corrections(self, obj) -> list[dict]:
        """Every score correction, newest first: who, when, the overall before and after, each dimension re-scored
        with its reason."""
        return CorrectionOut(self._coaching(obj)["corrections"], many=True).data


class TurnResultOut(serializers.Serializer):
    trainee = TurnOut()
    customer = TurnOut()
    ended = serializers.BooleanField()
    status = serializers.CharField()

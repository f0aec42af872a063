from rest_framework import serializers

from lms.api.serializers import JSONInSerializer
from practice.engine.spec import rubric_of
from practice.labels import DIMENSION_LABELS
from practice.models import PracticeSession, Scenario, Turn


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


class TurnOut(serializers.ModelSerializer):
    class Meta:
        model = Turn
        fields = ["index", "speaker", "text", "created_at"]


class SessionStartIn(JSONInSerializer):
    scenario = serializers.IntegerField()


class TurnIn(JSONInSerializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=True, max_length=5000)


class EvidenceOut(serializers.Serializer):
    turn = serializers.IntegerField()
    quote = serializers.CharField()
    reason = serializers.CharField()
    kind = serializers.CharField()


class DimensionOut(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.SerializerMethodField()
    score = serializers.IntegerField(allow_null=True)
    band = serializers.CharField()
    weight = serializers.FloatField()
    evidence = EvidenceOut(many=True)

    def get_label(self, obj) -> str:
        return str(DIMENSION_LABELS.get(obj["code"], obj["code"]))


class PracticeSessionOut(serializers.ModelSerializer):
    scenario = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField()
    transcript = serializers.SerializerMethodField()
    dimensions = serializers.SerializerMethodField()
    scorer_score = serializers.SerializerMethodField()
    compliance_evidence = serializers.SerializerMethodField()
    offending_sentence = serializers.SerializerMethodField()

    class Meta:
        model = PracticeSession
        fields = [
            "id",
            "scenario",
            "user",
            "status",
            "started_at",
            "finished_at",
            "score",
            "scorer_score",
            "passed",
            "compliance_failed",
            "offending_sentence",
            "compliance_evidence",
            "dimensions",
            "transcript",
        ]

    def get_scenario(self, obj) -> dict:
        return {"id": obj.scenario_id, "code": obj.scenario.code, "title": obj.scenario.title}

    def get_user(self, obj) -> dict:
        return {"id": obj.user_id, "name": str(obj.user)}

    def get_transcript(self, obj) -> list[dict]:
        return TurnOut(obj.turns.order_by("index"), many=True).data

    def get_dimensions(self, obj) -> list[dict]:
        dims = (obj.scorecard or {}).get("dimensions") or {}
        order = (obj.scorecard or {}).get("order") or list(dims)
        return DimensionOut([dims[c] for c in order if c in dims], many=True).data

    def get_scorer_score(self, obj) -> int | None:
        return (obj.scorecard or {}).get("overall")

    def get_compliance_evidence(self, obj) -> list[dict]:
        return EvidenceOut((obj.scorecard or {}).get("compliance_evidence") or [], many=True).data

    def get_offending_sentence(self, obj) -> str | None:
        evidence = (obj.scorecard or {}).get("compliance_evidence") or []
        return evidence[0]["quote"] if evidence else None


class TurnResultOut(serializers.Serializer):
    trainee = TurnOut()
    customer = TurnOut()
    ended = serializers.BooleanField()
    status = serializers.CharField()

from rest_framework import serializers

from lms.roles import user_roles
from trainees.models import Team, User


class TeamOut(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "kind", "parent", "full_name"]


class PersonOut(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    team = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "employee_no",
            "email",
            "phone",
            "team",
            "job_title",
            "level",
            "hire_date",
            "roles",
        ]

    def get_team(self, obj) -> dict | None:
        return {"id": obj.team_id, "full_name": obj.team.full_name} if obj.team_id else None

    def get_roles(self, obj) -> list[str]:
        # Uses the prefetched groups; no query per row.
        return sorted(g.name for g in obj.groups.all())


class MeOut(PersonOut):
    roles = serializers.SerializerMethodField()
    managed_teams = serializers.SerializerMethodField()

    class Meta(PersonOut.Meta):
        fields = [*PersonOut.Meta.fields, "managed_teams", "is_staff"]

    def get_roles(self, obj) -> list[str]:
        return sorted(user_roles(obj))

    def get_managed_teams(self, obj) -> list[int]:
        return sorted(obj.managed_teams.values_list("id", flat=True))


class PeopleImportIn(serializers.Serializer):
    file = serializers.FileField(help_text="The people CSV (UTF-8, UTF-8 with BOM, or GBK).")
    dry_run = serializers.BooleanField(default=False, help_text="Validate and count only; write nothing.")


class ImportRowErrorOut(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line in the file (the header is line 1; 0 for the whole file).")
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class PeopleImportOut(serializers.Serializer):
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    teams_created = serializers.IntegerField()
    manager_links_added = serializers.IntegerField()
    rows = serializers.IntegerField()
    errors = ImportRowErrorOut(many=True)

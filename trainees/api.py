from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.api.exceptions import error_body
from lms.permissions import HasRole
from lms.roles import TRAINER
from trainees import selectors, services
from trainees.serializers import MeOut, PeopleImportIn, PeopleImportOut, PersonOut, TeamOut


class MeView(APIView):
    @extend_schema(responses=MeOut)
    def get(self, request):
        user = selectors.person_get_for_user(user=request.user, person_id=request.user.id)
        return Response(MeOut(user).data)


class TeamListView(generics.ListAPIView):
    serializer_class = TeamOut

    def get_queryset(self):
        return selectors.teams_for_user(user=self.request.user).order_by("full_name", "id")


class TeamDetailView(generics.RetrieveAPIView):
    serializer_class = TeamOut

    def get_object(self):
        return selectors.team_get_for_user(user=self.request.user, team_id=self.kwargs["pk"])


class PersonListView(generics.ListAPIView):
    serializer_class = PersonOut

    def get_queryset(self):
        team = self.request.query_params.get("team")
        return selectors.person_list(
            user=self.request.user,
            search=self.request.query_params.get("q", "").strip(),
            team_id=int(team) if team and team.isdigit() else None,
        )


class PersonDetailView(generics.RetrieveAPIView):
    serializer_class = PersonOut

    def get_object(self):
        return selectors.person_get_for_user(user=self.request.user, person_id=self.kwargs["pk"])


class PeopleImportView(APIView):
    """Import people from a CSV (multipart `file`, optional `dry_run`). Trainers and admins only.

    Nothing is written while any row is invalid: the answer is then 400 in the common error shape, with every
    problem in `error.fields.file` ("line N, column: reason") and in `error.rows` ({line, column, message})."""

    permission_classes = [HasRole.of(TRAINER)]
    parser_classes = [MultiPartParser]

    @extend_schema(request=PeopleImportIn, responses={200: PeopleImportOut})
    def post(self, request):
        data = PeopleImportIn(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            message = _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes.") % {
                "size": upload.size,
                "limit": settings.IMPORT_MAX_BYTES,
            }
            return Response(error_body("too_large", message, {"file": [message]}), status=413)
        report = services.people_import(
            content=upload.read(), dry_run=data.validated_data["dry_run"], actor=request.user, request=request
        )
        body = report.as_dict()
        if not report.ok:
            error = error_body(
                "invalid_import",
                _("Nothing was imported: the file has %(n)s problem(s).") % {"n": len(report.errors)},
                {"file": [str(e) for e in report.errors]},
            )
            error["error"]["rows"] = body["errors"]
            return Response(error, status=status.HTTP_400_BAD_REQUEST)
        return Response(PeopleImportOut(body).data)

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from trainees import selectors
from trainees.serializers import MeOut, PersonOut, TeamOut


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

from django.db.models import prefetch_related_objects
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.api.exceptions import Conflict
from lms.permissions import HasRole
from lms.roles import MANAGER, SALESPERSON, TRAINER
from practice import selectors, services
from practice.models import Scenario
from practice.serializers import PracticeSessionOut, ScenarioOut, SessionStartIn, TurnIn, TurnResultOut

Practising = HasRole.of(SALESPERSON, MANAGER, TRAINER)


class ScenarioListView(generics.ListAPIView):
    """Published scenarios (trainers also see drafts)."""

    serializer_class = ScenarioOut
    permission_classes = [Practising]

    def get_queryset(self):
        params = self.request.query_params
        return selectors.scenario_list(
            user=self.request.user, language=params.get("language", ""), category=params.get("category", "")
        )


class ScenarioDetailView(generics.RetrieveAPIView):
    serializer_class = ScenarioOut
    permission_classes = [Practising]

    def get_object(self):
        return selectors.scenario_get_for_user(user=self.request.user, scenario_id=self.kwargs["pk"])


class SessionListCreateView(APIView):
    permission_classes = [Practising]

    @extend_schema(responses=PracticeSessionOut(many=True))
    def get(self, request):
        """One's own sessions, newest first (at most 100), trials included (`is_trial`)."""
        sessions = selectors.session_list(user=request.user)
        return Response(PracticeSessionOut(sessions, many=True, context={"request": request}).data)

    @extend_schema(request=SessionStartIn, responses={201: PracticeSessionOut})
    def post(self, request):
        data = SessionStartIn(data=request.data)
        data.is_valid(raise_exception=True)
        scenario = selectors.scenario_get_for_user(user=request.user, scenario_id=data.validated_data["scenario"])
        if scenario.status != Scenario.Status.PUBLISHED and not selectors.can_author(request.user):
            raise Http404
        session = services.session_start(user=request.user, scenario=scenario)
        return Response(PracticeSessionOut(session, context={"request": request}).data, status=status.HTTP_201_CREATED)


class SessionDetailView(APIView):
    """The transcript and scorecard: the salesperson's own, or one of a person the caller manages."""

    @extend_schema(responses=PracticeSessionOut)
    def get(self, request, pk: int):
        session = selectors.session_get_for_user(user=request.user, session_id=pk)
        prefetch_related_objects([session], *selectors.coaching_prefetch())
        return Response(PracticeSessionOut(session, context={"request": request}).data)


class SessionTurnView(APIView):
    @extend_schema(
        request=TurnIn,
        responses={
            201: TurnResultOut,
            409: OpenApiResponse(description="The customer is still answering a previous reply to this session."),
        },
    )
    def post(self, request, pk: int):
        session = selectors.session_get_own(user=request.user, session_id=pk)
        data = TurnIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            trainee, customer = services.session_reply(session=session, text=data.validated_data["text"])
        except services.TurnInProgress as exc:
            raise Conflict(exc.message) from None
        session.refresh_from_db(fields=["status"])
        body = {"trainee": trainee, "customer": customer, "ended": session.is_finished, "status": session.status}
        context = {"numbers": selectors.can_see_numbers(user=request.user, session=session)}
        return Response(TurnResultOut(body, context=context).data, status=status.HTTP_201_CREATED)


class SessionFinishView(APIView):
    @extend_schema(request=None, responses=PracticeSessionOut)
    def post(self, request, pk: int):
        session = selectors.session_get_own(user=request.user, session_id=pk)
        session = services.session_finish(session=session)
        return Response(PracticeSessionOut(session, context={"request": request}).data)

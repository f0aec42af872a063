"""/api/v1/plans/... and the reference data lists. Thin: access functions, serializers, services."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import plan_selectors, plan_services
from courses.models import Category, Competency, Method, Track
from courses.plan_serializers import (
    CloneIn,
    MethodOut,
    ObjectiveIn,
    ObjectiveOut,
    PlanIn,
    PlanListOut,
    PlanOut,
    PlanUpdateIn,
    ReferenceOut,
    SessionIn,
    SessionOut,
)
from lms.api.exceptions import Conflict
from lms.api.schema import conflict
from lms.permissions import HasRole
from lms.roles import TRAINER


def _conflict(exc: plan_services.PlanStateError) -> Conflict:
    return Conflict(exc.message)


def _plan_out(plan_id: int, user) -> dict:
    return PlanOut(plan_selectors.plan_get_for_user(user=user, plan_id=plan_id)).data


class PlanListView(generics.ListAPIView):
    """Plans the caller may read (GET, paginated; `q`, `kind`=plans|templates, `status` filters); trainers create
    plans they then own (POST)."""

    serializer_class = PlanListOut

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated(), HasRole.of(TRAINER)()]
        return [IsAuthenticated()]

    def get_queryset(self):
        params = self.request.query_params
        return plan_selectors.plan_list(
            user=self.request.user,
            search=params.get("q", "").strip(),
            kind=params.get("kind", ""),
            status=params.get("status", ""),
        )

    @extend_schema(request=PlanIn, responses={201: PlanOut})
    def post(self, request):
        data = PlanIn(data=request.data)
        data.is_valid(raise_exception=True)
        plan = plan_services.plan_create(user=request.user, **data.validated_data)
        return Response(_plan_out(plan.pk, request.user), status=status.HTTP_201_CREATED)


class PlanDetailView(APIView):
    """Read a plan; owners change it (PATCH/PUT) and delete it while it is a draft."""

    @extend_schema(responses=PlanOut)
    def get(self, request, pk: int):
        return Response(_plan_out(pk, request.user))

    @extend_schema(
        request=PlanUpdateIn,
        responses={
            200: PlanOut,
            409: conflict("The plan's state does not allow it: an archived plan cannot be changed."),
        },
    )
    def patch(self, request, pk: int):
        plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=pk)
        data = PlanUpdateIn(data=request.data, partial=request.method == "PATCH")
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        teams = fields.pop("teams", None)
        try:
            plan_services.plan_update(plan=plan, user=request.user, teams=teams, **fields)
        except plan_services.PlanStateError as e:
            raise _conflict(e) from None
        return Response(_plan_out(pk, request.user))

    @extend_schema(
        request=PlanUpdateIn,
        responses={
            200: PlanOut,
            409: conflict("The plan's state does not allow it: an archived plan cannot be changed."),
        },
    )
    def put(self, request, pk: int):
        return self.patch(request, pk)

    @extend_schema(
        responses={204: None, 409: conflict("Only a draft can be deleted; archive a published plan instead.")}
    )
    def delete(self, request, pk: int):
        plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=pk)
        try:
            plan_services.plan_delete(plan=plan, user=request.user)
        except plan_services.PlanStateError as e:
            raise _conflict(e) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanPublishView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: PlanOut,
            409: conflict("Only a draft can be published, and a template never (clone it into a plan first)."),
        },
    )
    def post(self, request, pk: int):
        plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=pk)
        try:
            plan_services.plan_publish(plan=plan, user=request.user)
        except plan_services.PlanStateError as e:
            raise _conflict(e) from None
        return Response(_plan_out(pk, request.user))


class PlanCloneView(APIView):
    """Deep copy of a plan or template the caller can read, owned by the caller, sessions shifted to start_date."""

    permission_classes = [IsAuthenticated, HasRole.of(TRAINER)]

    @extend_schema(request=CloneIn, responses={201: PlanOut})
    def post(self, request, pk: int):
        plan = plan_selectors.plan_get_for_user(user=request.user, plan_id=pk)
        data = CloneIn(data=request.data)
        data.is_valid(raise_exception=True)
        copy = plan_services.plan_clone(plan=plan, user=request.user, **data.validated_data)
        return Response(_plan_out(copy.pk, request.user), status=status.HTTP_201_CREATED)


# --- objectives -----------------------------------------------------------------------------------------------


class ObjectiveListView(APIView):
    @extend_schema(responses=ObjectiveOut(many=True))
    def get(self, request, pk: int):
        plan = plan_selectors.plan_get_for_user(user=request.user, plan_id=pk)
        return Response(ObjectiveOut(plan_selectors.plan_objectives(plan=plan), many=True).data)

    @extend_schema(
        request=ObjectiveIn,
        responses={
            201: ObjectiveOut,
            409: conflict("The plan's state does not allow it: an archived plan cannot be changed."),
        },
    )
    def post(self, request, pk: int):
        plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=pk)
        data = ObjectiveIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            objective = plan_services.objective_create(plan=plan, user=request.user, **data.validated_data)
        except plan_services.PlanStateError as e:
            raise _conflict(e) from None
        return Response(ObjectiveOut(objective).data, status=status.HTTP_201_CREATED)


class ObjectiveDetailView(APIView):
    @extend_schema(responses=ObjectiveOut)
    def get(self, request, pk: int, objective_id: int):
        plan = plan_selectors.plan_get_for_user(user=request.user, plan_id=pk)
        return Response(ObjectiveOut(plan_selectors.objective_get_for_plan(plan=plan, objective_id=objective_id)).data)

    @extend_schema(request=ObjectiveIn, responses=ObjectiveOut)
    def patch(self, request, pk: int, objective_id: int):
        plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=pk)
        objective = plan_selectors.objective_get_for_plan(plan=plan, objective_id=objective_id)
        data = ObjectiveIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {"kind": objective.kind, "text": objective.text} | data.validated_data
        objective = plan_services.objective_update(objective=objective, user=request.user, **values)
        return Response(ObjectiveOut(objective).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, objective_id: int):
        plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=pk)
        objective = plan_selectors.objective_get_for_plan(plan=plan, objective_id=objective_id)
        plan_services.objective_delete(objective=objective, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- sessions -------------------------------------------------------------------------------------------------


def _session_out(plan, session_ids: list[int] | None = None, many: bool = False):
    sessions = plan_selectors.plan_sessions(plan=plan)
    clashes = plan_selectors.trainer_clashes(plan=plan, sessions=sessions)
    context = {"plan": plan, "clashes": clashes}
    if many:
        return SessionOut(sessions, many=True, context=context).data
    session = next(s for s in sessions if s.pk == session_ids[0])
    return SessionOut(session, context=context).data


class SessionListView(APIView):
    """The plan's sessions in day and time order (not paginated: a plan has at most 30 days). Each session lists
    its warnings (a trainer booked elsewhere at the same time); errors such as a room clash refuse the write."""

    @extend_schema(responses=SessionOut(many=True))
    def get(self, request, pk: int):
        plan = plan_selectors.plan_get_for_user(user=request.user, plan_id=pk)
        return Response(_session_out(plan, many=True))

    @extend_schema(
        request=SessionIn,
        responses={
            201: SessionOut,
            409: conflict("The plan's state does not allow it: an archived plan cannot be changed."),
        },
    )
    def post(self, request, pk: int):
        plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=pk)
        data = SessionIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            session = plan_services.session_create(plan=plan, user=request.user, **data.validated_data)
        except plan_services.PlanStateError as e:
            raise _conflict(e) from None
        return Response(_session_out(plan, [session.pk]), status=status.HTTP_201_CREATED)


class SessionDetailView(APIView):
    @extend_schema(responses=SessionOut)
    def get(self, request, pk: int, session_id: int):
        plan = plan_selectors.plan_get_for_user(user=request.user, plan_id=pk)
        session = plan_selectors.session_get_for_plan(plan=plan, session_id=session_id)
        return Response(_session_out(plan, [session.pk]))

    @extend_schema(
        request=SessionIn,
        responses={
            200: SessionOut,
            409: conflict("The plan's state does not allow it: an archived plan cannot be changed."),
        },
    )
    def patch(self, request, pk: int, session_id: int):
        plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=pk)
        session = plan_selectors.session_get_for_plan(plan=plan, session_id=session_id)
        data = SessionIn(data=request.data, partial=request.method == "PATCH")
        data.is_valid(raise_exception=True)
        try:
            plan_services.session_update(session=session, user=request.user, **data.validated_data)
        except plan_services.PlanStateError as e:
            raise _conflict(e) from None
        return Response(_session_out(plan, [session.pk]))

    @extend_schema(
        request=SessionIn,
        responses={
            200: SessionOut,
            409: conflict("The plan's state does not allow it: an archived plan cannot be changed."),
        },
    )
    def put(self, request, pk: int, session_id: int):
        return self.patch(request, pk, session_id)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, session_id: int):
        plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=pk)
        session = plan_selectors.session_get_for_plan(plan=plan, session_id=session_id)
        plan_services.session_delete(session=session, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- reference data -------------------------------------------------------------------------------------------


def _reference_view(model, serializer, doc: str):
    @extend_schema_view(get=extend_schema(description=doc))
    class View(generics.ListAPIView):
        serializer_class = serializer
        pagination_class = None
        queryset = model.objects.all()

    View.__name__ = f"{model.__name__}ListView"
    View.__qualname__ = View.__name__
    return View


CategoryListView = _reference_view(Category, ReferenceOut, "The six content categories (培训内容类别).")
CompetencyListView = _reference_view(Competency, ReferenceOut, "The four competencies (素质).")
TrackListView = _reference_view(Track, ReferenceOut, "Course tracks (系列).")
MethodListView = _reference_view(
    Method, MethodOut, "Training methods (培训方法) with when they suit and their trade-off."
)

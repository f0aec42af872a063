"""API: /api/v1/enrollments/, /api/v1/me/learning/, /api/v1/certificates/<code>/verify/, and the player's
/api/v1/lessons/<id>/complete/ and /heartbeat/."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.course_selectors import course_get_for_author
from courses.models import TrainingPlan
from learning import selectors, services
from learning.serializers import (
    CertificateVerifyOut,
    EnrollmentIn,
    EnrollmentOut,
    EnrollResultOut,
    LessonProgressOut,
    MyLearningOut,
    ProgressIn,
)
from lms.api.authentication import TokenAuthentication
from lms.api.exceptions import error_response
from lms.models import Job
from lms.roles import TRAINER, has_role, is_admin
from trainees.models import Team, User


def _plan_for_author(user, plan_id) -> TrainingPlan:
    qs = TrainingPlan.objects.all() if is_admin(user) else TrainingPlan.objects.filter(owners=user)
    try:
        return qs.get(id=plan_id)
    except (TrainingPlan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


class EnrollmentListView(generics.ListCreateAPIView):
    serializer_class = EnrollmentOut

    def get_queryset(self):
        course = self.request.query_params.get("course", "")
        return selectors.enrollment_list(
            user=self.request.user,
            status=self.request.query_params.get("status", ""),
            search=self.request.query_params.get("q", "").strip(),
            course_id=int(course) if course.isdigit() else None,
        )

    @extend_schema(request=EnrollmentIn, responses={200: EnrollResultOut, 201: EnrollResultOut, 202: EnrollResultOut})
    def post(self, request):
        if not (is_admin(request.user) or has_role(request.user, TRAINER)):
            return error_response("permission_denied", _("Only trainers enroll people."), status.HTTP_403_FORBIDDEN)
        data = EnrollmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        course = course_get_for_author(user=request.user, course_id=d["course"]) if "course" in d else None
        plan = _plan_for_author(request.user, d["plan"]) if "plan" in d else None
        due = d.get("due_date")
        if "user" in d:
            try:
                person = User.objects.get(id=d["user"], is_active=True)
            except User.DoesNotExist:
                raise Http404 from None
            enrollment, result = services.enrollment_assign(
                user=person, course=course, plan=plan, due_date=due, enrolled_by=request.user
            )
            body = {**result.as_dict(), "enrollment": EnrollmentOut(enrollment).data}
            return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
        if "team" in d:
            try:
                team = Team.objects.get(id=d["team"])
            except Team.DoesNotExist:
                raise Http404 from None
            outcome = services.team_enroll(team=team, course=course, plan=plan, due_date=due, enrolled_by=request.user)
            return self._outcome_response(outcome)
        ids, missing = services.user_ids_for_employee_nos(employee_nos=d["employee_nos"])
        if missing:
            return error_response(
                "invalid",
                _("Unknown employee numbers; nothing was enrolled."),
                status.HTTP_400_BAD_REQUEST,
                {"employee_nos": [_("Unknown: %(nos)s") % {"nos": ", ".join(missing[:50])}]},
            )
        outcome = services.enroll_or_queue(
            user_ids=ids, course=course, plan=plan, due_date=due, enrolled_by=request.user
        )
        return self._outcome_response(outcome)

    @staticmethod
    def _outcome_response(outcome):
        if isinstance(outcome, Job):
            return Response(
                {
                    "created": 0,
                    "restored": 0,
                    "already": 0,
                    "message": _("Queued: poll the job for progress."),
                    "job": outcome.id,
                },
                status=status.HTTP_202_ACCEPTED,
            )
        return Response(outcome.as_dict(), status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK)


class EnrollmentDetailView(generics.RetrieveAPIView):
    serializer_class = EnrollmentOut

    def get_object(self):
        return selectors.enrollment_get_for_user(user=self.request.user, enrollment_id=self.kwargs["pk"])


class MyLearningView(generics.ListAPIView):
    serializer_class = MyLearningOut

    def get_queryset(self):
        return selectors.my_learning(user=self.request.user)


class CertificateVerifyView(generics.RetrieveAPIView):
    """Public: anyone holding the code may confirm a certificate; nothing else about the person is shown."""

    permission_classes = [AllowAny]
    # Anonymous callers are welcome, but a token that is sent must be valid (401 otherwise), as everywhere else.
    authentication_classes = [TokenAuthentication]
    serializer_class = CertificateVerifyOut

    def get_object(self):
        return selectors.certificate_verify(code=self.kwargs["code"])


# --- the player: lesson complete and video heartbeats ---------------------------------------------------


def _enrollments_out(enrollments) -> list[dict]:
    return [{"id": e.id, "course": e.course_id, "progress": e.progress, "status": e.status} for e in enrollments]


class LessonCompleteView(APIView):
    """Mark a text, file or link lesson done; 404 unless you are enrolled in a course holding it."""

    @extend_schema(request=None, responses=LessonProgressOut)
    def post(self, request, pk: int):
        enrollments = services.lesson_complete(user=request.user, lesson_id=pk)
        progress = request.user.lesson_progress.get(lesson_id=pk)
        return Response(LessonProgressOut(progress, context={"enrollments": _enrollments_out(enrollments)}).data)


class LessonHeartbeatView(APIView):
    """The video player's periodic heartbeat while playing: each one credits the server's time since the last one
    (at most VIDEO_HEARTBEAT_MAX_CREDIT seconds); the lesson completes when most of its length (`duration_seconds`,
    set by the trainer or read from the file) has been credited. A `duration` sent is ignored."""

    @extend_schema(request=ProgressIn, responses=LessonProgressOut)
    def post(self, request, pk: int):
        data = ProgressIn(data=request.data)
        data.is_valid(raise_exception=True)
        progress = services.lesson_heartbeat(
            user=request.user,
            lesson_id=pk,
            position=data.validated_data["position"],
            event=data.validated_data["event"],
        )
        enrollments = request.user.enrollments.filter(course__items__lesson_id=pk, unenrolled_at__isnull=True)
        return Response(LessonProgressOut(progress, context={"enrollments": _enrollments_out(enrollments)}).data)

"""API: /api/v1/courses/ (+ modules, items) and /api/v1/lessons/ (the learner's complete and heartbeat are learning/'s)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import course_selectors as selectors
from courses import course_services as services
from courses.models import Category, Course, Lesson, Module, ModuleItem, Track
from courses.plan_serializers import ReferenceCodeField
from courses.sanitize import sanitize_html
from lms.api.parsers import JSONParser
from lms.api.serializers import JSONInSerializer
from lms.permissions import HasRole
from lms.roles import TRAINER

# --- serializers -------------------------------------------------------------------------------------------


class LessonOut(serializers.ModelSerializer):
    body = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = [
            "id",
            "title",
            "kind",
            "body",
            "video_url",
            "duration_seconds",
            "url",
            "estimated_minutes",
            "file_name",
        ]

    def get_body(self, obj) -> str:
        return sanitize_html(obj.body)


class LessonIn(JSONInSerializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Lesson.Kind.choices)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    video_url = serializers.URLField(required=False, allow_blank=True, default="")
    duration_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=None)
    url = serializers.URLField(required=False, allow_blank=True, default="")
    estimated_minutes = serializers.IntegerField(required=False, min_value=0, max_value=100000, default=5)
    video_file = serializers.FileField(required=False)
    file = serializers.FileField(required=False)


class ItemOut(serializers.ModelSerializer):
    lesson = LessonOut()

    class Meta:
        model = ModuleItem
        fields = ["id", "order", "required", "lesson"]


class ModuleOut(serializers.ModelSerializer):
    items = ItemOut(many=True, read_only=True)

    class Meta:
        model = Module
        fields = ["id", "title", "order", "items"]


class CourseOut(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    track = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    description = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "category",
            "track",
            "status",
            "description",
            "estimated_minutes",
            "self_enroll",
            "certificate_valid_days",
        ]

    def get_description(self, obj) -> str:
        return sanitize_html(obj.description)


class CourseIn(JSONInSerializer):
    title = serializers.CharField(max_length=200)
    category = ReferenceCodeField(queryset=Category.objects.all(), required=False, allow_null=True)
    track = ReferenceCodeField(queryset=Track.objects.all(), required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    estimated_minutes = serializers.IntegerField(required=False, min_value=0, max_value=100000, default=0)
    self_enroll = serializers.BooleanField(required=False, default=True)
    certificate_valid_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=36500, default=None
    )


class ModuleIn(JSONInSerializer):
    title = serializers.CharField(max_length=200)


class ItemIn(JSONInSerializer):
    lesson = serializers.IntegerField()
    required = serializers.BooleanField(required=False, default=True)


# --- views -------------------------------------------------------------------------------------------------


class CourseListView(generics.ListCreateAPIView):
    """GET: the published catalogue (`?mine=1` for trainers: the courses they own). POST: trainers create."""

    serializer_class = CourseOut

    def get_queryset(self):
        params = self.request.query_params
        if params.get("mine") == "1":
            return selectors.course_list_for_author(user=self.request.user)
        return selectors.published_courses(track=params.get("track", ""), category=params.get("category", ""))

    def get_permissions(self):
        if self.request.method == "POST":
            return [HasRole.of(TRAINER)()]
        return super().get_permissions()

    @extend_schema(request=CourseIn, responses={201: CourseOut})
    def post(self, request):
        data = CourseIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        course = services.course_create(owner=request.user, title=d.pop("title"), **d)
        return Response(CourseOut(course).data, status=status.HTTP_201_CREATED)


class CourseDetailView(APIView):
    @extend_schema(responses=CourseOut)
    def get(self, request, pk: int):
        try:
            course = selectors.course_get_for_author(user=request.user, course_id=pk)
        except Http404:
            course = selectors.course_get_published(course_id=pk)
        return Response(CourseOut(course).data)

    def _course(self, request, pk):
        return selectors.course_get_for_author(user=request.user, course_id=pk)

    @extend_schema(request=CourseIn, responses=CourseOut)
    def patch(self, request, pk: int):
        course = self._course(request, pk)
        data = CourseIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.course_update(course=course, **data.validated_data)
        if "status" in request.data:
            if request.data["status"] == Course.Status.PUBLISHED:
                services.course_publish(course=course)
            elif request.data["status"] == Course.Status.DRAFT:
                services.course_unpublish(course=course)
        return Response(CourseOut(course).data)


class ModuleListView(APIView):
    def _course_for_read(self, request, pk):
        try:
            return selectors.course_get_for_author(user=request.user, course_id=pk)
        except Http404:
            return selectors.course_get_published(course_id=pk)

    @extend_schema(responses=ModuleOut(many=True))
    def get(self, request, pk: int):
        course = self._course_for_read(request, pk)
        return Response(ModuleOut(selectors.course_outline(course=course), many=True).data)

    @extend_schema(request=ModuleIn, responses={201: ModuleOut})
    def post(self, request, pk: int):
        course = selectors.course_get_for_author(user=request.user, course_id=pk)
        data = ModuleIn(data=request.data)
        data.is_valid(raise_exception=True)
        module = services.module_create(course=course, title=data.validated_data["title"])
        return Response(ModuleOut(module).data, status=status.HTTP_201_CREATED)


class ItemListView(APIView):
    @extend_schema(request=ItemIn, responses={201: ItemOut})
    def post(self, request, pk: int, module_id: int):
        module = selectors.module_get_for_author(user=request.user, module_id=module_id)
        if module.course_id != int(pk):
            raise Http404
        data = ItemIn(data=request.data)
        data.is_valid(raise_exception=True)
        lesson = selectors.lesson_get_for_author(user=request.user, lesson_id=data.validated_data["lesson"])
        item = services.item_add(module=module, lesson=lesson, required=data.validated_data["required"])
        return Response(ItemOut(item).data, status=status.HTTP_201_CREATED)


class LessonListView(generics.ListCreateAPIView):
    serializer_class = LessonOut
    permission_classes = [HasRole.of(TRAINER)]
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        params = self.request.query_params
        return selectors.lesson_library(user=self.request.user, search=params.get("q", ""), kind=params.get("kind", ""))

    @extend_schema(request=LessonIn, responses={201: LessonOut})
    def post(self, request):
        data = LessonIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        lesson = services.lesson_save(
            author=request.user, video_file=d.pop("video_file", None), file=d.pop("file", None), **d
        )
        return Response(LessonOut(lesson).data, status=status.HTTP_201_CREATED)


class LessonDetailView(APIView):
    permission_classes = [HasRole.of(TRAINER)]

    @extend_schema(responses=LessonOut)
    def get(self, request, pk: int):
        return Response(LessonOut(selectors.lesson_get_for_author(user=request.user, lesson_id=pk)).data)

    @extend_schema(request=LessonIn, responses=LessonOut)
    def patch(self, request, pk: int):
        lesson = selectors.lesson_get_for_author(user=request.user, lesson_id=pk, for_edit=True)
        data = LessonIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        lesson = services.lesson_save(
            lesson=lesson, video_file=d.pop("video_file", None), file=d.pop("file", None), **d
        )
        return Response(LessonOut(lesson).data)

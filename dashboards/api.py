"""/api/v1/dashboards/... and /api/v1/exports/: the same selectors and scope as the pages (404 outside)."""

from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboards import exports, selectors
from lms.api.serializers import JSONInSerializer
from lms.jobs import JobOut
from lms.permissions import HasRole
from lms.roles import MANAGER, TRAINER


class FiguresOut(serializers.Serializer):
    people = serializers.IntegerField()
    active = serializers.IntegerField()
    completed = serializers.IntegerField()
    overdue = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True)
    avg_progress = serializers.FloatField(allow_null=True)
    certs_valid = serializers.IntegerField()
    certs_expiring = serializers.IntegerField()
    avg_score = serializers.FloatField(allow_null=True)
    pass_rate = serializers.FloatField(allow_null=True)


class PersonRowOut(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.__str__")
    employee_no = serializers.CharField(source="user.employee_no", allow_null=True)
    team = serializers.CharField(source="team.full_name", allow_null=True, default=None)
    enrollments = serializers.IntegerField()
    completed = serializers.IntegerField()
    overdue = serializers.IntegerField()
    avg_progress = serializers.FloatField()
    certs_valid = serializers.IntegerField()
    certs_expiring = serializers.IntegerField()
    avg_score = serializers.FloatField(allow_null=True)
    pass_rate = serializers.FloatField(allow_null=True)
    last_activity_at = serializers.DateTimeField(allow_null=True)


def _area_out(a: dict) -> dict:
    return {k: a.get(k) for k in ("axis", "code", "name", "avg_score", "n", "people")}


def _weak_out(w: dict) -> dict:
    return {
        **_area_out(w),
        "remedies": {
            kind: [{"id": r["id"], "title": r["title"]} for r in w[kind]]
            for kind in ("courses", "quizzes", "scenarios")
        },
    }


class LowestRowOut(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.__str__")
    employee_no = serializers.CharField(source="user.employee_no", allow_null=True)
    team = serializers.CharField(source="team.full_name", allow_null=True, default=None)
    avg_score = serializers.FloatField(
        allow_null=True, help_text="average quiz score (null: no quiz yet, only with a category or competency)"
    )
    attempts = serializers.IntegerField(help_text="quiz attempts")
    passed = serializers.IntegerField()
    pass_rate = serializers.FloatField(source="pass_rate_sort", help_text="passed / attempts, in %")
    area_score = serializers.FloatField(
        allow_null=True, help_text="score in the filtered category or competency (quizzes and practice); else null"
    )
    area_attempts = serializers.IntegerField(
        allow_null=True, help_text="observations behind area_score (graded quizzes and practice sessions)"
    )


class TeamDashboardOut(serializers.Serializer):
    """The team summary. `lowest_scores` is a preview: the first LOWEST_PREVIEW rows of the lowest scores table
    (in `lowest_sort` order), whose every page and filter is at `lowest_scores_url`."""

    team = serializers.DictField(help_text="id, name, full_name, parent")
    figures = FiguresOut()
    # each also has "tone": good, bad or neutral, the change's colour by meaning (selectors.change_tone)
    headline = serializers.ListField(child=serializers.DictField(), help_text="key, value, change since last week")
    series = serializers.ListField(child=serializers.DictField(), help_text="weekly completion and overdue")
    score_distribution = serializers.ListField(child=serializers.DictField(), help_text="people per 10-point band")
    mastery = serializers.DictField(help_text="per axis (category, competency): code, name, avg_score, n, people")
    lowest_scores = LowestRowOut(many=True)
    lowest_scores_url = serializers.URLField(help_text="the full lowest scores table (cursor pages, filters)")
    weak_spots = serializers.ListField(child=serializers.DictField(), help_text="areas below the threshold, remedies")
    children = serializers.ListField(child=serializers.DictField(), help_text="sub-teams with their figures")


def _team_dict(team) -> dict:
    return {"id": team.id, "name": team.name, "full_name": team.full_name, "parent": team.parent_id}


class TeamDashboardView(APIView):
    # The manager role is checked with the scope, in the query that loads the team (dashboard_team_get): that
    # query-free gate keeps the lowest scores preview within the route's former query count. Others get 404.
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=TeamDashboardOut,
        summary="A team's headline figures, change since last week, weekly series, score distribution, mastery "
        "per category and competency, the first rows of its lowest scores and weak spots with remedies",
        parameters=[
            OpenApiParameter(
                "lowest_sort",
                str,
                description="the order of the lowest_scores preview (and of lowest_scores_url): one of "
                f"{', '.join(selectors.LOWEST_PAGE_SORTS)}, '-' for descending",
            )
        ],
    )
    def get(self, request, pk: int):
        team = selectors.dashboard_team_get(user=request.user, team_id=pk, with_children=True)
        overview = selectors.team_overview(team=team)
        charts = selectors.team_charts(team=team)
        mastery = charts["mastery"]
        lowest_sort = selectors.parse_lowest_sort(request.query_params.get("lowest_sort"))
        lowest, _next = selectors.lowest_page(
            qs=selectors.team_lowest_people(team=team), sort=lowest_sort, cursor=None, size=selectors.LOWEST_PREVIEW
        )
        return Response(
            {
                "team": _team_dict(team),
                "figures": FiguresOut(overview["figures"].as_dict()).data,
                "headline": [
                    {"key": h["key"], "value": h["value"], "change": h["change"], "tone": h["tone"]}
                    for h in overview["headline"]
                ],
                "series": overview["series"],
                "score_distribution": charts["score_distribution"],
                "mastery": {axis: [_area_out(a) for a in areas] for axis, areas in mastery.items()},
                # The first rows of the lowest scores table (the same selector as its route), and the route.
                "lowest_scores": LowestRowOut(lowest, many=True).data,
                "lowest_scores_url": request.build_absolute_uri(
                    f"{reverse('api-dashboard-team-lowest-scores', args=[team.id])}?{urlencode({'sort': lowest_sort})}"
                ),
                "weak_spots": [
                    _weak_out(w) for w in selectors.weak_spots(areas=mastery["category"] + mastery["competency"])
                ],
                "children": [
                    {**_team_dict(c["team"]), "figures": FiguresOut(c["figures"].as_dict()).data}
                    for c in overview["children"]
                ],
            }
        )


class TrainerDashboardView(APIView):
    """The trainer's dashboard: figures over the courses and training plans they own (admins: every course and
    plan), the same shape as a team's summary and series."""

    permission_classes = [HasRole.of(TRAINER)]

    @extend_schema(
        responses=dict,
        summary="A trainer's headline figures over the courses and plans they own, change since last week, weekly "
        "series, score distribution of graded attempts on their quizzes, mastery per category and competency",
    )
    def get(self, request):
        stats = selectors.owner_stats_get(user=request.user)
        overview = selectors.owner_overview(user=request.user, stats=stats)
        charts = selectors.stats_charts(stats=stats)
        return Response(
            {
                "scope": {
                    "courses": overview["courses"],
                    "plans": overview["plans"],
                    "refreshed_at": overview["refreshed_at"],
                },
                "figures": FiguresOut(overview["figures"].as_dict()).data,
                "headline": [
                    {"key": h["key"], "value": h["value"], "change": h["change"], "tone": h["tone"]}
                    for h in overview["headline"]
                ],
                "series": overview["series"],
                "score_distribution": [
                    {"band": b["band"], "from": b["from"], "attempts": b["people"]}
                    for b in charts["score_distribution"]
                ],
                "mastery": {axis: [_area_out(a) for a in areas] for axis, areas in charts["mastery"].items()},
            }
        )


def _table_parameters(sorts, *filters: OpenApiParameter, sort_note: str = "") -> list[OpenApiParameter]:
    """The OpenAPI parameters of a cursor-paginated dashboard table: `sort` (one of `sorts`), its filters, then
    `cursor` and `page_size`."""
    return [
        OpenApiParameter("sort", str, description=f"one of {', '.join(sorts)}, '-' for descending{sort_note}"),
        *filters,
        OpenApiParameter(
            "cursor",
            str,
            description="the position to go on from, as the `next` link gives it; a cursor that was changed or cut "
            "(not one this API wrote) is a 400 naming `cursor`",
        ),
        OpenApiParameter("page_size", int),
    ]


SEARCH_AND_OVERDUE = (OpenApiParameter("q", str), OpenApiParameter("overdue", bool))


def _overdue_flag(request) -> bool:
    return request.query_params.get("overdue") in ("1", "true")


class TeamPeopleView(APIView):
    permission_classes = [HasRole.of(MANAGER)]

    @extend_schema(
        responses=PersonRowOut(many=True), parameters=_table_parameters(selectors.SORTS, *SEARCH_AND_OVERDUE)
    )
    def get(self, request, pk: int):
        team = selectors.dashboard_team_get(user=request.user, team_id=pk)
        q = _search(request)
        overdue = _overdue_flag(request)
        return _table_page(
            request,
            page=selectors.keyset_page,
            qs=selectors.team_people(team=team, search=q, overdue_only=overdue),
            sort=selectors.parse_sort(request.query_params.get("sort")),
            out=PersonRowOut,
            filters={"q": q, "overdue": int(overdue)},
        )


class PlanRowOut(serializers.Serializer):
    id = serializers.IntegerField(source="plan_id")
    title = serializers.CharField(source="plan.title")
    status = serializers.CharField(source="plan.status")
    start_date = serializers.DateField(source="plan.start_date", allow_null=True)
    participants = serializers.IntegerField()
    courses = serializers.IntegerField(help_text="linked courses")
    completed = serializers.IntegerField(help_text="completed linked-course enrollments of the participants")
    completion_rate = serializers.FloatField(allow_null=True, help_text="completed / (participants x courses)")
    avg_progress = serializers.FloatField(allow_null=True)
    overdue = serializers.IntegerField()
    exam_takers = serializers.IntegerField()
    exam_pass_rate = serializers.FloatField(allow_null=True)
    exam_avg = serializers.FloatField(allow_null=True, help_text="average of each taker's best score")


def _page_size(request) -> int:
    try:
        return int(request.query_params.get("page_size") or selectors.PAGE_SIZE)
    except ValueError:
        return selectors.PAGE_SIZE


def _search(request) -> str:
    return request.query_params.get("q", "").strip()[:100]  # never a NUL: lms.security.NulCharacterMiddleware


def _table_page(request, *, page, qs, sort: str, out, filters: dict) -> Response:
    """One cursor page of a dashboard table (plans, courses, overdue items, lowest scores), with the link to the
    next page carrying the same sort and filters."""
    size = _page_size(request)
    rows, next_cursor = page(qs=qs, sort=sort, cursor=request.query_params.get("cursor"), size=size)
    next_url = None
    if next_cursor:
        params = {"sort": sort, "cursor": next_cursor, "page_size": size, **filters}
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode(params)}")
    return Response({"next": next_url, "results": out(rows, many=True).data})


class TeamPlansView(APIView):
    """The training plans the team's subtree takes part in, figures over that subtree's participants only."""

    permission_classes = [HasRole.of(MANAGER)]

    @extend_schema(
        responses=PlanRowOut(many=True), parameters=_table_parameters(selectors.PLAN_SORTS, *SEARCH_AND_OVERDUE)
    )
    def get(self, request, pk: int):
        team = selectors.dashboard_team_get(user=request.user, team_id=pk)
        q = _search(request)
        overdue = _overdue_flag(request)
        return _table_page(
            request,
            page=selectors.plans_page,
            qs=selectors.team_plans(team=team, search=q, overdue_only=overdue),
            sort=selectors.parse_plan_sort(request.query_params.get("sort")),
            out=PlanRowOut,
            filters={"q": q, "overdue": int(overdue)},
        )


class TeamCourseRowOut(serializers.Serializer):
    id = serializers.IntegerField(source="course_id")
    title = serializers.CharField(source="course.title")
    status = serializers.CharField(source="course.status")
    enrollments = serializers.IntegerField(help_text="the team's people with an active enrollment in the course")
    completed = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True, help_text="completed / enrollments, in %")
    avg_progress = serializers.FloatField(allow_null=True)
    overdue = serializers.IntegerField()


class TeamCoursesView(APIView):
    """The courses the team's subtree is enrolled in, figures over that subtree's enrolled people only."""

    permission_classes = [HasRole.of(MANAGER)]

    @extend_schema(
        responses=TeamCourseRowOut(many=True),
        parameters=_table_parameters(selectors.COURSE_SORTS, *SEARCH_AND_OVERDUE),
    )
    def get(self, request, pk: int):
        team = selectors.dashboard_team_get(user=request.user, team_id=pk)
        q = _search(request)
        overdue = _overdue_flag(request)
        return _table_page(
            request,
            page=selectors.courses_page,
            qs=selectors.team_courses(team=team, search=q, overdue_only=overdue),
            sort=selectors.parse_course_sort(request.query_params.get("sort")),
            out=TeamCourseRowOut,
            filters={"q": q, "overdue": int(overdue)},
        )


class OverdueRowOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="the enrollment")
    person_id = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.__str__")
    employee_no = serializers.CharField(source="user.employee_no", allow_null=True)
    course_id = serializers.IntegerField()
    course = serializers.CharField(source="course.title")
    due_date = serializers.DateField(allow_null=True)
    days_overdue = serializers.IntegerField(allow_null=True)
    progress = serializers.IntegerField()


class TeamOverdueView(APIView):
    """Every overdue course enrollment of the team's subtree (the dashboard's overdue items table)."""

    permission_classes = [HasRole.of(MANAGER)]

    @extend_schema(
        responses=OverdueRowOut(many=True),
        parameters=_table_parameters(
            selectors.OVERDUE_SORTS,
            OpenApiParameter("q", str, description="person (name, employee number) or course title"),
            OpenApiParameter("min_days", int, description="only items at least this many days past their due date"),
        ),
    )
    def get(self, request, pk: int):
        team = selectors.dashboard_team_get(user=request.user, team_id=pk)
        q = _search(request)
        min_days = exports.parse_min_days(request.query_params.get("min_days"))
        return _table_page(
            request,
            page=selectors.overdue_page,
            qs=selectors.team_overdue_enrollments(team=team, search=q, min_days=min_days),
            sort=selectors.parse_overdue_sort(request.query_params.get("sort")),
            out=OverdueRowOut,
            filters={"q": q, "min_days": min_days},
        )


LOWEST_PARAMETERS = _table_parameters(
    selectors.LOWEST_PAGE_SORTS,
    OpenApiParameter("q", str, description="name or employee number"),
    OpenApiParameter(
        "category", str, description="a content category's code: people by their score in it (400 when unknown)"
    ),
    OpenApiParameter(
        "competency", str, description="a competency's code: people by their score in it (400 when unknown)"
    ),
    sort_note="; with a category or competency, avg_score and attempts sort by the score and observations in it",
)


class TeamLowestScoresView(APIView):
    """The team's people with quiz results, lowest average score first, or by their score in one content category
    or competency (the dashboard's lowest scores table)."""

    permission_classes = [HasRole.of(MANAGER)]

    @extend_schema(responses=LowestRowOut(many=True), parameters=LOWEST_PARAMETERS)
    def get(self, request, pk: int):
        team = selectors.dashboard_team_get(user=request.user, team_id=pk)
        q = _search(request)
        area = selectors.parse_lowest_area(
            category=request.query_params.get("category"), competency=request.query_params.get("competency")
        )
        return _table_page(
            request,
            page=selectors.lowest_page,
            qs=selectors.team_lowest_people(team=team, search=q, area=area),
            sort=selectors.parse_lowest_sort(request.query_params.get("sort")),
            out=LowestRowOut,
            filters={"q": q, **({area.axis: area.code} if area else {})},
        )


class PersonDashboardView(APIView):
    permission_classes = [HasRole.of(MANAGER)]

    @extend_schema(responses=dict, summary="A person's figures, enrollments, certificates and category scores")
    def get(self, request, pk: int):
        person = selectors.dashboard_person_get(user=request.user, person_id=pk)
        data = selectors.person_overview(person=person)
        stats = data["stats"]
        return Response(
            {
                "id": person.id,
                "name": str(person),
                "employee_no": person.employee_no,
                "team": _team_dict(person.team) if person.team else None,
                "figures": PersonRowOut(stats).data if stats else None,
                "enrollments": [
                    {
                        "id": e.id,
                        "course": e.course_id,
                        "plan": e.plan_id,
                        "title": e.course.title if e.course_id else e.plan.title,
                        "status": e.display_status,
                        "progress": e.progress,
                        "due_date": e.due_date,
                        "completed_at": e.completed_at,
                        "removed": e.unenrolled_at is not None,
                    }
                    for e in data["enrollments"]
                ],
                "certificates": [
                    {
                        "code": c.code,
                        "course": c.course_title,
                        "issued_at": c.issued_at,
                        "expires_on": c.expires_on,
                        "replaced": c.replaced,
                    }
                    for c in data["certificates"]
                ],
                "category_scores": [
                    {"category": a["code"], "avg_score": a["avg_score"], "attempts": a["n"]}
                    for a in data["category_scores"]
                ],
                "competency_scores": [
                    {"competency": a["code"], "avg_score": a["avg_score"], "attempts": a["n"]}
                    for a in data["competency_scores"]
                ],
                "mastery": {axis: [_area_out(a) for a in areas] for axis, areas in data["mastery"].items()},
                "weak_spots": [_weak_out(w) for w in data["weak_spots"]],
            }
        )


class ExportIn(JSONInSerializer):
    """A JSON body is held to the documented types (0 is not a sort key, "1" is not a team). A NUL character in
    any text is refused by the API's JSON parser (lms.api.parsers); the page's export form drops it instead
    (exports.export_params)."""

    table = serializers.ChoiceField(choices=list(exports.TABLES), default="people", help_text=", ".join(exports.TABLES))
    format = serializers.ChoiceField(choices=exports.FORMATS)
    team = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        default=None,
        help_text="the team, for every table but courses (without one: 404)",
    )
    q = serializers.CharField(required=False, allow_blank=True, max_length=exports.MAX_SEARCH, default="")
    overdue = serializers.BooleanField(required=False, default=False)
    sort = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    min_days = serializers.IntegerField(
        required=False, min_value=0, max_value=3650, default=0, help_text="overdue table: days past the due date"
    )
    category = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=exports.selectors.AREA_CODE_MAX,
        default="",
        help_text="lowest_scores table: a content category's code (unknown: 400)",
    )
    competency = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=exports.selectors.AREA_CODE_MAX,
        default="",
        help_text="lowest_scores table: a competency's code (unknown: 400)",
    )


def _job_data(request, job) -> dict:
    data = JobOut(job).data
    data["download"] = (
        request.build_absolute_uri(reverse("api-dashboard-export-download", args=[job.id]))
        if job.status == job.Status.DONE
        else None
    )
    return data


class ExportStartView(APIView):
    """Start an export of one dashboard table with the page's filters; poll `exports/<id>/`, then download."""

    @extend_schema(request=ExportIn, responses={202: JobOut})
    def post(self, request):
        if not exports.may_export(request.user):
            raise Http404
        data = ExportIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        job = exports.export_start(user=request.user, table=v["table"], fmt=v["format"], params=v)
        return Response(_job_data(request, job), status=status.HTTP_202_ACCEPTED)


class ExportDetailView(APIView):
    @extend_schema(responses=JobOut)
    def get(self, request, pk: int):
        return Response(_job_data(request, exports.export_get_for_user(user=request.user, job_id=pk)))


class ExportDownloadView(APIView):
    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(bytes, description="a CSV export (UTF-8 with BOM, for Excel)"),
            (200, exports.EXPORT_CONTENT_TYPES["xlsx"]): OpenApiResponse(bytes, description="an Excel export"),
        }
    )
    def get(self, request, pk: int):
        return exports.export_file_response(exports.export_get_for_user(user=request.user, job_id=pk))

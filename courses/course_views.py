"""Pages: course authoring (trainers) and the lesson library. The catalogue and the player are learning/'s."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import course_selectors as selectors
from courses import course_services as services
from courses import hooks
from courses.course_forms import CourseForm, LessonForm
from courses.models import Course, Lesson
from courses.uploads import lesson_file_response
from lms.errors import error_body
from lms.permissions import role_required
from lms.roles import TRAINER
from lms.storable import json_parse

# --- authoring ---------------------------------------------------------------------------------------------


def _form_errors_from(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        uploads = {"cover": "cover_upload", "video_file": "video_upload", "file": "file_upload"}
        for name, errors in exc.error_dict.items():
            name = uploads.get(name, name)
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


@login_required
@role_required(TRAINER)
def course_list(request):
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    qs = selectors.course_list_for_author(user=request.user, search=search, status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/course_list.html",
        {"page": page, "q": search, "status": status, "statuses": Course.Status.choices},
    )


@login_required
@role_required(TRAINER)
def course_create(request):
    form = CourseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("cover_upload", "prerequisites", "title")}
        try:
            course = services.course_create(
                owner=request.user,
                title=form.cleaned_data["title"],
                cover=form.cleaned_data.get("cover_upload"),
                prerequisites=form.cleaned_data.get("prerequisites") or (),
                **data,
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("Course created. Now add modules and lessons."))
            return redirect("courses:outline", course_id=course.id)
    return render(request, "courses/course_form.html", {"form": form, "course": None})


@login_required
@role_required(TRAINER)
def course_edit(request, course_id: int):
    course = selectors.course_get_for_author(user=request.user, course_id=course_id)
    form = CourseForm(request.POST or None, request.FILES or None, instance=course)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("cover_upload", "prerequisites")}
        try:
            services.course_update(
                course=course,
                cover=form.cleaned_data.get("cover_upload"),
                prerequisites=form.cleaned_data.get("prerequisites"),
                **data,
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("Course saved."))
            return redirect("courses:outline", course_id=course.id)
    return render(request, "courses/course_form.html", {"form": form, "course": course})


def _outline_response(request, course: Course, status: int = 200):
    context = {
        "course": course,
        "modules": selectors.course_outline(course=course),
        "library": selectors.lessons_for_author(user=request.user).only("id", "title", "kind").order_by("title")[:500],
        # What the apps above attach to the course (assessments/: its quizzes) and their add buttons.
        "activities": [
            a for rows in hooks.course_outline_activities.call(user=request.user, course=course) for a in rows
        ],
        "add_actions": [
            a for rows in hooks.course_outline_add_actions.call(user=request.user, course=course) for a in rows
        ],
    }
    template = "courses/_outline.html" if request.htmx else "courses/outline.html"
    return render(request, template, context, status=status)


@login_required
@role_required(TRAINER)
def course_outline(request, course_id: int):
    course = selectors.course_get_for_author(user=request.user, course_id=course_id)
    return _outline_response(request, course)


def _after_change(request, course: Course):
    if request.htmx:
        return _outline_response(request, course)
    return redirect("courses:outline", course_id=course.id)


@login_required
@role_required(TRAINER)
@require_POST
def module_add(request, course_id: int):
    course = selectors.course_get_for_author(user=request.user, course_id=course_id)
    try:
        services.module_create(course=course, title=request.POST.get("title", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_change(request, course)


@login_required
@role_required(TRAINER)
@require_POST
def module_rename(request, module_id: int):
    module = selectors.module_get_for_author(user=request.user, module_id=module_id)
    try:
        services.module_rename(module=module, title=request.POST.get("title", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_change(request, module.course)


@login_required
@role_required(TRAINER)
@require_POST
def module_delete(request, module_id: int):
    module = selectors.module_get_for_author(user=request.user, module_id=module_id)
    course = module.course
    services.module_delete(module=module)
    return _after_change(request, course)


@login_required
@role_required(TRAINER)
@require_POST
def module_move(request, module_id: int, direction: str):
    module = selectors.module_get_for_author(user=request.user, module_id=module_id)
    services.move(obj=module, direction=direction)
    return _after_change(request, module.course)


@login_required
@role_required(TRAINER)
@require_POST
def item_add(request, module_id: int):
    module = selectors.module_get_for_author(user=request.user, module_id=module_id)
    lesson_id = request.POST.get("lesson", "")
    try:
        lesson = selectors.lesson_get_for_author(user=request.user, lesson_id=lesson_id)
        services.item_add(module=module, lesson=lesson, required=request.POST.get("optional") != "1")
    except Http404:
        messages.error(request, _("Choose a lesson from the library."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_change(request, module.course)


@login_required
@role_required(TRAINER)
@require_POST
def item_move(request, item_id: int, direction: str):
    item = selectors.item_get_for_author(user=request.user, item_id=item_id)
    services.move(obj=item, direction=direction)
    return _after_change(request, item.course)


@login_required
@role_required(TRAINER)
@require_POST
def item_remove(request, item_id: int):
    item = selectors.item_get_for_author(user=request.user, item_id=item_id)
    course = item.course
    services.item_remove(item=item)
    return _after_change(request, course)


@login_required
@role_required(TRAINER)
@require_POST
def course_reorder(request, course_id: int):
    """Drag and drop (SortableJS) posts JSON: {"modules": [ids]} or {"module": id, "items": [ids]}."""
    course = selectors.course_get_for_author(user=request.user, course_id=course_id)
    try:
        payload = json_parse(request.body or b"{}")
        if "modules" in payload:
            services.module_reorder(course=course, module_ids=[int(i) for i in payload["modules"]])
        else:
            module = selectors.module_get_for_author(user=request.user, module_id=payload.get("module"))
            if module.course_id != course.id:
                raise Http404
            services.item_reorder(module=module, item_ids=[int(i) for i in payload.get("items", [])])
    except (ValueError, TypeError, AttributeError):
        return JsonResponse(error_body("invalid", _("Bad order.")), status=400)
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        return JsonResponse(error_body("invalid", " ".join(exc.messages), fields), status=400)
    return HttpResponse(status=204)


@login_required
@role_required(TRAINER)
@require_POST
def course_publish(request, course_id: int):
    course = selectors.course_get_for_author(user=request.user, course_id=course_id)
    if request.POST.get("action") == "unpublish":
        services.course_unpublish(course=course)
        messages.success(request, _("The course is a draft again."))
    else:
        try:
            services.course_publish(course=course)
            messages.success(request, _("The course is published."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("courses:outline", course_id=course.id)


@login_required
@role_required(TRAINER)
def lesson_list(request):
    search = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    page = Paginator(selectors.lesson_library(user=request.user, search=search, kind=kind), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "courses/lesson_list.html", {"page": page, "q": search, "kind": kind, "kinds": Lesson.Kind.choices}
    )


def _lesson_form(request, lesson: Lesson | None):
    form = LessonForm(request.POST or None, request.FILES or None, instance=lesson)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("video_upload", "file_upload")}
        try:
            saved = services.lesson_save(
                lesson=lesson,
                author=request.user,
                video_file=form.cleaned_data.get("video_upload"),
                file=form.cleaned_data.get("file_upload"),
                **data,
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("Lesson saved."))
            return redirect("courses:lesson_preview", lesson_id=saved.id)
    return render(request, "courses/lesson_form.html", {"form": form, "lesson": lesson})


@login_required
@role_required(TRAINER)
def lesson_create(request):
    return _lesson_form(request, None)


@login_required
@role_required(TRAINER)
def lesson_edit(request, lesson_id: int):
    return _lesson_form(request, selectors.lesson_get_for_author(user=request.user, lesson_id=lesson_id, for_edit=True))


@login_required
@role_required(TRAINER)
def lesson_preview(request, lesson_id: int):
    lesson = selectors.lesson_get_for_author(user=request.user, lesson_id=lesson_id)
    return render(request, "courses/lesson_preview.html", {"lesson": lesson})


@login_required
@role_required(TRAINER)
def lesson_file_preview(request, lesson_id: int):
    return lesson_file_response(selectors.lesson_get_for_author(user=request.user, lesson_id=lesson_id))


@login_required
def course_cover(request, course_id: int):
    """Cover images of published courses (and of one's own drafts), from whatever storage is configured. Behind
    login like the catalogue that shows them: a cover can carry a client's logo or an internal product."""
    try:
        course = selectors.course_get_for_author(user=request.user, course_id=course_id)
    except Http404:
        course = selectors.course_get_published(course_id=course_id)
    if not course.cover:
        raise Http404
    response = FileResponse(course.cover.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response

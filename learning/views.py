"""Pages: my learning, enrollments (trainers), certificates, the calendar feed, the catalogue and the player."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import course_selectors
from courses.course_selectors import course_get_for_author, courses_for_author
from courses.models import Category, Lesson, Track, TrainingPlan
from courses.uploads import lesson_file_response
from learning import selectors, services
from learning.certificates import certificate_pdf
from learning.forms import EnrollForm
from learning.models import Enrollment
from lms.jobs import job_get_for_user
from lms.models import Job
from lms.permissions import role_required
from lms.roles import TRAINER, is_admin


@login_required
def my_learning(request):
    page = Paginator(selectors.my_learning(user=request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/my_learning.html",
        {
            "page": page,
            "plans": selectors.my_plan_entries(user=request.user, today=timezone.localdate()),
            "certificates": selectors.my_certificates(user=request.user).select_related("course")[:20],
        },
    )


@login_required
def continue_course(request, course_id: int):
    """The next unmet requirement (the next required lesson, else the first requirement with a step to take); when
    what is left is not the learner's to do (no attempts left, awaiting grading), the course page says what is."""
    enrollment = selectors.learner_enrollment(user=request.user, course_id=course_id)
    panel = selectors.completion_panel(enrollment=enrollment)
    if panel.next_url:
        return redirect(panel.next_url)
    if panel.missing:
        messages.info(request, panel.summary)
        return redirect(reverse("learning:course_detail", args=[course_id]) + "#completion")
    messages.info(request, _("This course has no lessons yet."))
    return redirect("learning:my_learning")


def _plans_for(user):
    return TrainingPlan.objects.all() if is_admin(user) else TrainingPlan.objects.filter(owners=user)


@login_required
@role_required(TRAINER)
def enrollment_list(request):
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    course = request.GET.get("course", "")
    qs = selectors.enrollment_list(
        user=request.user,
        search=search,
        status=status,
        course_id=int(course) if course.isdigit() else None,
        include_removed=request.GET.get("removed") == "1",
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/enrollments.html",
        {
            "page": page,
            "q": search,
            "status": status,
            "course": course,
            "removed": request.GET.get("removed", ""),
            "statuses": Enrollment.Status.choices,
            "courses": courses_for_author(user=request.user).order_by("title"),
        },
    )


def _start(request, *, user_ids, course, plan, due_date):
    try:
        outcome = services.enroll_or_queue(
            user_ids=user_ids, course=course, plan=plan, due_date=due_date, enrolled_by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("learning:enroll")
    return _started(request, outcome)


def _started(request, outcome):
    if isinstance(outcome, Job):
        return redirect("learning:enrollment_job", job_id=outcome.id)
    messages.success(request, outcome.message)
    return redirect("learning:enrollments")


@login_required
@role_required(TRAINER)
def enroll(request):
    courses = courses_for_author(user=request.user).order_by("title")
    plans = _plans_for(request.user).order_by("title")
    initial = {"course": request.GET.get("course")} if request.GET.get("course") else None
    form = EnrollForm(request.POST or None, request.FILES or None, courses=courses, plans=plans, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        course, plan, due = data.get("course"), data.get("plan"), data.get("due_date")
        try:
            services.plan_enrollment_check(plan=plan)
        except ValidationError as exc:
            form.add_error("plan", exc.message_dict["plan"])
            return render(request, "learning/enroll.html", {"form": form, "preview": preview})
        if data["who"] == EnrollForm.TARGET_PERSON:
            target = {"course": course} if course else {"plan": plan}
            _enrollment, result = services.enrollment_assign(
                user=data["user"], due_date=due, enrolled_by=request.user, **target
            )
            messages.success(request, result.message)
            return redirect("learning:enrollments")
        if data["who"] == EnrollForm.TARGET_TEAM:
            if not services.team_member_ids(team=data["team"]):
                form.add_error("team", _("This team and its sub-teams have no active members."))
            else:
                outcome = services.team_enroll(
                    team=data["team"], course=course, plan=plan, due_date=due, enrolled_by=request.user
                )
                return _started(request, outcome)
        else:
            try:
                preview = services.employee_csv_preview(raw=data["csv_file"].read())
            except ValidationError as exc:
                form.add_error("csv_file", exc)
    return render(request, "learning/enroll.html", {"form": form, "preview": preview})


@login_required
@role_required(TRAINER)
@require_POST
def enroll_csv_confirm(request):
    """The second step of a CSV enrollment: the previewed numbers come back, are checked again, all or nothing."""
    nos = request.POST.get("employee_nos", "").split()
    course_id, plan_id = request.POST.get("course"), request.POST.get("plan")
    course = course_get_for_author(user=request.user, course_id=course_id) if course_id else None
    plan = None
    if plan_id:
        plan = _plans_for(request.user).filter(id=plan_id if plan_id.isdigit() else 0).first()
    if (course is None) == (plan is None):
        messages.error(request, _("Choose a course or a training plan (one of them)."))
        return redirect("learning:enroll")
    ids, missing = services.user_ids_for_employee_nos(employee_nos=nos)
    if missing or not ids:
        messages.error(request, _("The list changed since the preview; nothing was enrolled. Upload it again."))
        return redirect("learning:enroll")
    due = request.POST.get("due_date") or None

    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError:
        messages.error(request, _("The due date is not valid."))
        return redirect("learning:enroll")
    return _start(request, user_ids=ids, course=course, plan=plan, due_date=due_date)


@login_required
@role_required(TRAINER)
def enrollment_job(request, job_id: int):
    job = job_get_for_user(user=request.user, job_id=job_id)
    return render(request, "learning/enrollment_job.html", {"job": job})


@login_required
@role_required(TRAINER)
@require_POST
def enrollment_unenroll(request, enrollment_id: int):
    enrollment = selectors.enrollment_get_for_user(user=request.user, enrollment_id=enrollment_id)
    services.enrollment_unenroll(enrollment=enrollment)
    messages.success(request, _("Unenrolled. The history is kept; enrolling again restores it."))
    return redirect("learning:enrollments")


@login_required
@role_required(TRAINER)
@require_POST
def enrollment_restore(request, enrollment_id: int):
    enrollment = selectors.enrollment_get_for_user(user=request.user, enrollment_id=enrollment_id)
    services.enrollment_restore(enrollment=enrollment)
    messages.success(request, _("Enrollment restored."))
    return redirect("learning:enrollments")


@login_required
def certificate(request, code: str):
    cert = selectors.certificate_get_for_user(user=request.user, code=code)
    verify_url = request.build_absolute_uri(reverse("learning:certificate_verify", args=[cert.code]))
    return render(request, "learning/certificate.html", {"cert": cert, "verify_url": verify_url})


@login_required
def certificate_download(request, code: str):
    cert = selectors.certificate_get_for_user(user=request.user, code=code)
    verify_url = request.build_absolute_uri(reverse("learning:certificate_verify", args=[cert.code]))
    response = HttpResponse(certificate_pdf(certificate=cert, verify_url=verify_url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.code}.pdf"'
    return response


def certificate_verify(request, code: str):
    """Public: confirms a certificate by its code, showing nothing beyond name, course, date and validity."""
    cert = selectors.certificate_verify(code=code)
    return render(request, "learning/certificate_verify.html", {"cert": cert})


@login_required
def calendar(request):
    feed = services.calendar_feed_get_or_create(user=request.user)
    url = request.build_absolute_uri(reverse("learning:calendar_feed", args=[feed.token]))
    return render(request, "learning/calendar.html", {"feed_url": url})


@login_required
@require_POST
def calendar_reset(request):
    services.calendar_feed_reset(user=request.user)
    messages.success(request, _("Your calendar link was reset; the old link no longer works."))
    return redirect("learning:calendar")


def calendar_feed(request, token: str):
    """The tokenised .ics feed: calendar apps fetch it without a session, so the token is the key."""
    user = selectors.calendar_feed_user(token=token)
    response = HttpResponse(selectors.calendar_ics(user=user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="learning.ics"'
    return response


# --- the catalogue and the course player -------------------------------------------------------------------------


@login_required
def catalogue(request):
    track = request.GET.get("track", "")
    category = request.GET.get("category", "")
    search = request.GET.get("q", "").strip()
    qs = selectors.catalogue(user=request.user, track=track, category=category, search=search)
    page = Paginator(qs, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/catalogue.html",
        {
            "page": page,
            "track": track,
            "category": category,
            "q": search,
            "tracks": Track.objects.order_by("order"),
            "categories": Category.objects.order_by("order"),
        },
    )


@login_required
def course_detail(request, course_id: int):
    course = course_selectors.course_get_published(course_id=course_id)
    enrollment = course.enrollments.filter(user=request.user, unenrolled_at__isnull=True).first()
    modules = course_selectors.course_outline(course=course)
    panel = None
    if enrollment is not None:
        enrollment.course = course
        items = [item for module in modules for item in module.items.all()]  # the outline's order, loaded once
        panel = selectors.completion_panel(enrollment=enrollment, items=items)
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "modules": modules,
            "enrollment": enrollment,
            "panel": panel,
            "prerequisites": course.prerequisites.all(),
            "renewal": services.renewal_state(user=request.user, course=course) if enrollment else "",
        },
    )


@login_required
@require_POST
def course_renew(request, course_id: int):
    """Take a completed course again when its certificate expired or expires soon (the notice links here)."""
    course = course_selectors.course_get_published(course_id=course_id)
    try:
        result = services.enrollment_renew(user=request.user, course=course)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("learning:course_detail", course_id=course.id)
    (messages.success if result.renewed else messages.info)(request, result.message)
    return redirect("learning:continue", course_id=course.id)


@login_required
@require_POST
def course_self_enroll(request, course_id: int):
    course = course_selectors.course_get_published(course_id=course_id)
    try:
        _enrollment, result = services.self_enroll(user=request.user, course=course)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("learning:course_detail", course_id=course.id)
    if result.created or result.restored:
        messages.success(request, _("You are enrolled. Enjoy the course!"))
    else:
        messages.info(request, _("You are already enrolled in this course."))
    return redirect("learning:continue", course_id=course.id)


def _player_context(request, course_id: int, lesson_id: int):
    enrollment = selectors.learner_enrollment(user=request.user, course_id=course_id)
    items = course_selectors.course_items_in_order(course_id=course_id)
    index = next((i for i, item in enumerate(items) if item.lesson_id == int(lesson_id)), None)
    if index is None:
        raise Http404
    return enrollment, items, index


@login_required
def player(request, course_id: int, lesson_id: int):
    enrollment, items, index = _player_context(request, course_id, lesson_id)
    item = items[index]
    services.lesson_open(user=request.user, lesson=item.lesson, enrollment=enrollment)
    done = selectors.completed_lesson_ids(user_id=request.user.id, course_id=course_id)
    modules: list[dict] = []
    for it in items:
        if not modules or modules[-1]["module"].id != it.module_id:
            modules.append({"module": it.module, "items": []})
        modules[-1]["items"].append(it)
    panel = selectors.completion_panel(enrollment=enrollment, items=items, done=done)
    progress = None
    if item.lesson.kind == Lesson.Kind.VIDEO:
        progress = item.lesson.progress.filter(user=request.user).first()
    return render(
        request,
        "courses/player.html",
        {
            "enrollment": enrollment,
            "course": enrollment.course,
            "item": item,
            "lesson": item.lesson,
            "modules": modules,
            "done": done,
            "is_done": item.lesson_id in done,
            "previous": items[index - 1] if index > 0 else None,
            "next": items[index + 1] if index + 1 < len(items) else None,
            "video_progress": progress,
            "heartbeat_interval": settings.VIDEO_HEARTBEAT_INTERVAL,
            "certificate": getattr(enrollment, "certificate", None) if enrollment.status == "completed" else None,
            "panel": panel,
        },
    )


@login_required
@require_POST
def lesson_done(request, course_id: int, lesson_id: int):
    _enrollment, items, index = _player_context(request, course_id, lesson_id)
    try:
        services.lesson_complete(user=request.user, lesson_id=lesson_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("learning:player", course_id=course_id, lesson_id=lesson_id)
    if index + 1 < len(items):
        return redirect("learning:player", course_id=course_id, lesson_id=items[index + 1].lesson_id)
    return redirect("learning:player", course_id=course_id, lesson_id=lesson_id)


@login_required
def lesson_file(request, course_id: int, lesson_id: int):
    """Lesson files and videos are served through the access check, from whatever storage is configured."""
    _enrollment, items, index = _player_context(request, course_id, lesson_id)
    return lesson_file_response(items[index].lesson)

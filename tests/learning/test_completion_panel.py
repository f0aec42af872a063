"""The completion panel (issue 19): every requirement of a course with its state and next step, on the course page
and in the player; "continue" leads to the next unmet requirement, never back to a finished lesson."""

import re

import pytest
from django.utils import translation

from learning import hooks, selectors, services
from learning.models import Enrollment
from learning.requirements import Requirement, RequirementState
from tests.learning.factories import add_lesson, course_with_lessons

QUIZ_URL = "/quizzes/7/take/"
RETRY_URL = "/quizzes/7/request-attempt/"
SCENARIO_URL = "/practice/scenarios/3/"


def _quiz_and_practice_rows(*, enrollment):
    """What assessments/ and practice/ would add: a final quiz failed with no attempts left, a role play failed."""
    return [
        Requirement(
            kind="practice",
            title="陪练「客户说太贵」",
            state=RequirementState.FAILED,
            detail="及格 70 分",
            action_url=SCENARIO_URL,
            action_label="再练一次",
            order=30,
        ),
        Requirement(
            kind="quiz",
            title="期末测验",
            state=RequirementState.STUCK,
            detail="最好成绩 55%，及格线 80%，剩余 0 次",
            help_text="已无次数，请联系 张老师",
            order=20,
            extra={"request_url": RETRY_URL},
        ),
    ]


@pytest.fixture
def rows_hook():
    """Registers a function on the hook for one test (and only that test)."""
    registered = []

    def register(fn):
        hooks.completion_requirement_rows.register(fn)
        registered.append(fn)

    yield register
    for fn in registered:
        hooks.completion_requirement_rows.unregister(fn)


@pytest.fixture
def held():
    """A completion requirement that is not met, so finishing the lessons leaves the course in progress."""

    def not_yet(*, enrollment):
        return False

    hooks.completion_requirement.register(not_yet)
    yield
    hooks.completion_requirement.unregister(not_yet)


def _lessons(course):
    return list(course.items.order_by("order").values_list("lesson_id", flat=True))


def _finish_lessons(user, course):
    for lesson_id in _lessons(course):
        services.lesson_complete(user=user, lesson_id=lesson_id)


def _panel_rows(html: str) -> list[str]:
    return re.findall(r'data-testid="requirement-(\w+)" data-state="(\w+)"', html)


# --- the selector ---


def test_panel_lists_lessons_first_then_the_rows_from_above_by_order(enrolled, course, sales_a, rows_hook, held):
    rows_hook(_quiz_and_practice_rows)
    _finish_lessons(sales_a, course)
    enrolled.refresh_from_db()
    with translation.override("en"):
        panel = selectors.completion_panel(enrollment=enrolled)
        assert [(r.kind, r.state) for r in panel.rows] == [
            ("lessons", "done"),
            ("quiz", "stuck"),
            ("practice", "failed"),
        ]
        assert panel.rows[0].detail == "3 of 3 done"
        assert panel.lessons_done == panel.lessons_total == 3
        assert panel.summary == (
            "Still to do: 期末测验 not passed (已无次数，请联系 张老师); 陪练「客户说太贵」 not passed (及格 70 分)"
        )
        assert panel.status_note.startswith("All lessons are done, but")
    # The quiz cannot be taken again: the next step is the role play, not a finished lesson.
    assert panel.next_url == SCENARIO_URL
    assert panel.next_label == "再练一次"


def test_panel_next_step_is_the_next_unfinished_required_lesson(enrolled, course, sales_a, rows_hook):
    rows_hook(_quiz_and_practice_rows)
    first, second, third = _lessons(course)
    services.lesson_complete(user=sales_a, lesson_id=first)
    services.lesson_complete(user=sales_a, lesson_id=third)
    enrolled.refresh_from_db()
    panel = selectors.completion_panel(enrollment=enrolled)
    assert panel.rows[0].state == RequirementState.TODO
    assert panel.next_url == f"/learn/{course.id}/{second}/"
    assert panel.next_label == course.items.get(lesson_id=second).lesson.title
    assert panel.status_note == ""


def test_optional_lessons_do_not_hold_the_lessons_row(enrolled, course, sales_a, held):
    extra = add_lesson(course)
    extra.required = False
    extra.save(update_fields=["required"])
    for lesson_id in _lessons(course)[:3]:
        services.lesson_complete(user=sales_a, lesson_id=lesson_id)
    enrolled.refresh_from_db()
    panel = selectors.completion_panel(enrollment=enrolled)
    assert panel.rows[0].state == RequirementState.DONE
    assert (panel.lessons_done, panel.lessons_total) == (3, 3)


def test_completed_course_offers_review_and_nothing_missing(enrolled, course, sales_a):
    _finish_lessons(sales_a, course)
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.COMPLETED
    panel = selectors.completion_panel(enrollment=enrolled)
    assert panel.missing == [] and panel.summary == ""
    assert panel.next_url.startswith(f"/learn/{course.id}/")


# --- the course page ---


def test_course_page_shows_each_requirement_with_state_help_and_request_button(
    client_for, enrolled, course, sales_a, rows_hook, held
):
    rows_hook(_quiz_and_practice_rows)
    _finish_lessons(sales_a, course)
    html = client_for(sales_a).get(f"/catalogue/{course.id}/").content.decode()
    assert 'data-testid="completion-panel"' in html
    assert _panel_rows(html) == [("lessons", "done"), ("quiz", "stuck"), ("practice", "failed")]
    assert "已无次数，请联系 张老师" in html and "及格 70 分" in html
    assert f'<form method="post" action="{RETRY_URL}">' in html
    assert 'data-testid="requirement-request"' in html
    assert 'data-testid="completion-status-note"' in html  # why 100 % of the lessons is not completed
    assert f'href="{SCENARIO_URL}" data-testid="completion-next"' in html
    assert "进行中" in html  # the status badge


def test_rows_from_more_than_one_app_keep_their_order(client_for, enrolled, course, sales_a, rows_hook):
    def practice_rows(*, enrollment):
        return [Requirement(kind="practice", title="陪练", state=RequirementState.TODO, order=30)]

    def quiz_rows(*, enrollment):
        return [Requirement(kind="quiz", title="期末测验", state=RequirementState.WAITING, order=20)]

    rows_hook(practice_rows)  # registered first, shown after the quiz
    rows_hook(quiz_rows)
    html = client_for(sales_a).get(f"/catalogue/{course.id}/").content.decode()
    assert [kind for kind, _state in _panel_rows(html)] == ["lessons", "quiz", "practice"]


def test_course_page_without_enrollment_has_no_panel(client_for, course, sales_b):
    response = client_for(sales_b).get(f"/catalogue/{course.id}/")
    assert response.status_code == 200
    assert 'data-testid="completion-panel"' not in response.content.decode()


def test_course_page_with_panel_query_budget(client_for, trainer, sales_a, rows_hook, django_assert_max_num_queries):
    course = course_with_lessons(40, owners=[trainer])
    services.enrollment_create(user=sales_a, course=course)
    for lesson_id in _lessons(course)[:20]:
        services.lesson_complete(user=sales_a, lesson_id=lesson_id)
    rows_hook(_quiz_and_practice_rows)
    client = client_for(sales_a)
    with django_assert_max_num_queries(14):
        response = client.get(f"/catalogue/{course.id}/")
    assert response.status_code == 200
    assert len(_panel_rows(response.content.decode())) == 3


# --- continue ---


def test_continue_after_the_last_lesson_goes_to_the_unmet_requirement(
    client_for, enrolled, course, sales_a, rows_hook, held
):
    rows_hook(_quiz_and_practice_rows)
    _finish_lessons(sales_a, course)
    response = client_for(sales_a).get(f"/my/courses/{course.id}/continue/")
    assert response.status_code == 302
    assert response.url == SCENARIO_URL


def test_continue_when_only_others_can_act_explains_on_the_course_page(
    client_for, enrolled, course, sales_a, rows_hook, held
):
    def stuck(*, enrollment):
        return [Requirement(kind="quiz", title="期末测验", state=RequirementState.STUCK, help_text="请联系 张老师")]

    rows_hook(stuck)
    _finish_lessons(sales_a, course)
    client = client_for(sales_a)
    response = client.get(f"/my/courses/{course.id}/continue/")
    assert response.url == f"/catalogue/{course.id}/#completion"
    page = client.get(response.url).content.decode()
    assert "请联系 张老师" in page
    assert 'data-testid="completion-next"' not in page  # no button back into a finished lesson


def test_continue_of_a_course_not_mine_is_404(client_for, enrolled, course, sales_b):
    assert client_for(sales_b).get(f"/my/courses/{course.id}/continue/").status_code == 404


# --- the player ---


def test_player_shows_the_panel_and_the_next_step_after_the_last_lesson(
    client_for, enrolled, course, sales_a, rows_hook, held
):
    rows_hook(_quiz_and_practice_rows)
    _finish_lessons(sales_a, course)
    last = _lessons(course)[-1]
    html = client_for(sales_a).get(f"/learn/{course.id}/{last}/").content.decode()
    assert _panel_rows(html) == [("lessons", "done"), ("quiz", "stuck"), ("practice", "failed")]
    assert f'href="{SCENARIO_URL}" data-testid="player-next-step"' in html
    assert 'data-bs-target="#completion-rows"' in html  # collapsible on a phone


def test_player_does_not_link_the_lesson_being_shown_as_next_step(client_for, enrolled, course, sales_a):
    first = _lessons(course)[0]
    html = client_for(sales_a).get(f"/learn/{course.id}/{first}/").content.decode()
    assert f'href="/learn/{course.id}/{first}/" data-testid="completion-next"' not in html
    assert 'data-testid="requirement-action"' not in html


def test_player_of_a_course_not_mine_is_404(client_for, enrolled, course, sales_b):
    assert client_for(sales_b).get(f"/learn/{course.id}/{_lessons(course)[0]}/").status_code == 404


def test_player_with_panel_query_budget(client_for, trainer, sales_a, rows_hook, django_assert_max_num_queries):
    course = course_with_lessons(40, owners=[trainer])
    services.enrollment_create(user=sales_a, course=course)
    lessons = _lessons(course)
    for lesson_id in lessons[:20]:
        services.lesson_complete(user=sales_a, lesson_id=lesson_id)
    rows_hook(_quiz_and_practice_rows)
    client = client_for(sales_a)
    with django_assert_max_num_queries(12):
        response = client.get(f"/learn/{course.id}/{lessons[5]}/")
    assert response.status_code == 200
    assert len(_panel_rows(response.content.decode())) == 3


# --- my learning ---


def test_my_learning_says_a_finished_course_is_not_completed_and_leads_to_what_is_left(
    client_for, enrolled, course, sales_a, rows_hook, held
):
    rows_hook(_quiz_and_practice_rows)
    _finish_lessons(sales_a, course)
    client = client_for(sales_a)
    html = client.get("/my/").content.decode()
    assert 'data-testid="not-completed-note"' in html
    assert f'href="/my/courses/{course.id}/continue/" data-testid="what-is-left"' in html
    assert client.get(f"/my/courses/{course.id}/continue/").url == SCENARIO_URL

"""Who sees and starts which quiz: one access rule (selectors.quizzes_for_user) for pages and the API.

Salespeople: published quizzes of the courses and plans they are actively enrolled in. Trainers: the quizzes they
own (drafts too). Managers: their teams' results, not their teams' quizzes. Staff: everything. Out of scope = 404.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Attempt
from tests.assessments import factories as f
from tests.courses.plan_factories import PlanFactory
from tests.factories import make_salesperson, make_trainer


def _api_sees(api, quiz) -> bool:
    listed = {q["id"] for q in api.get("/api/v1/quizzes/").json()["results"]}
    detail = api.get(f"/api/v1/quizzes/{quiz.id}/").status_code
    assert detail in (200, 404)
    assert (quiz.id in listed) == (detail == 200), "the list and the detail disagree"
    return detail == 200


def _page_sees(client, quiz) -> bool:
    listed = client.get(reverse("assessments:quizzes"))
    assert listed.status_code == 200
    detail = client.get(reverse("assessments:quiz", args=[quiz.id])).status_code
    assert detail in (200, 404)
    in_list = reverse("assessments:quiz", args=[quiz.id]) in listed.content.decode()
    assert in_list == (detail == 200), "the list and the detail disagree"
    return detail == 200


@pytest.fixture
def course_quiz(trainer, qbank):
    return f.quiz(trainer, [f.single(qbank)], title="课程测验")


@pytest.fixture
def plan_quiz(trainer, qbank):
    return f.quiz(trainer, [f.single(qbank)], title="第6天考试", plan=PlanFactory(status="published"), plan_day=6)


# --- salespeople ---------------------------------------------------------------------------------------------


def test_enrolled_salesperson_sees_and_starts_the_course_quiz(client_for, api_for, sales_a, course_quiz):
    f.enrol(sales_a, course_quiz)
    assert _api_sees(api_for(sales_a), course_quiz)
    assert _page_sees(client_for(sales_a), course_quiz)
    started = api_for(sales_a).post(f"/api/v1/quizzes/{course_quiz.id}/attempts/")
    assert started.status_code == 201
    page = client_for(sales_a).post(reverse("assessments:quiz_start", args=[course_quiz.id]))
    assert page.status_code == 302 and page["Location"] == reverse("assessments:attempt", args=[started.json()["id"]])


def test_salesperson_enrolled_in_the_plan_sees_and_starts_its_exam(client_for, api_for, sales_a, plan_quiz):
    f.enrol(sales_a, plan_quiz)
    assert _api_sees(api_for(sales_a), plan_quiz)
    assert _page_sees(client_for(sales_a), plan_quiz)
    assert api_for(sales_a).post(f"/api/v1/quizzes/{plan_quiz.id}/attempts/").status_code == 201


@pytest.mark.parametrize("which", ["course_quiz", "plan_quiz"])
def test_salesperson_not_enrolled_gets_404_everywhere(request, client_for, api_for, sales_a, sales_b, which):
    quiz = request.getfixturevalue(which)
    f.enrol(sales_b, quiz)  # someone else's enrollment opens nothing for sales_a
    api, client = api_for(sales_a), client_for(sales_a)
    assert not _api_sees(api, quiz)
    assert not _page_sees(client, quiz)
    assert api.post(f"/api/v1/quizzes/{quiz.id}/attempts/").status_code == 404
    assert client.post(reverse("assessments:quiz_start", args=[quiz.id])).status_code == 404
    assert not Attempt.objects.filter(user=sales_a).exists()


@pytest.mark.parametrize("which", ["course_quiz", "plan_quiz"])
def test_unenrolled_salesperson_loses_the_quiz(request, client_for, api_for, sales_a, which):
    quiz = request.getfixturevalue(which)
    enrollment = f.enrol(sales_a, quiz)
    assert _api_sees(api_for(sales_a), quiz)
    enrollment.unenrolled_at = timezone.now()
    enrollment.save(update_fields=["unenrolled_at"])
    assert not _api_sees(api_for(sales_a), quiz)
    assert not _page_sees(client_for(sales_a), quiz)
    assert api_for(sales_a).post(f"/api/v1/quizzes/{quiz.id}/attempts/").status_code == 404


def test_enrolled_salesperson_does_not_see_a_draft(client_for, api_for, sales_a, trainer, qbank):
    draft = f.quiz(trainer, [f.single(qbank)], status="draft", takers=[sales_a])
    assert not _api_sees(api_for(sales_a), draft)
    assert not _page_sees(client_for(sales_a), draft)
    assert api_for(sales_a).post(f"/api/v1/quizzes/{draft.id}/attempts/").status_code == 404


def test_quiz_without_course_or_plan_is_for_its_owners_only(api_for, sales_a, trainer, qbank):
    from assessments.models import Quiz

    loose = services.quiz_create(
        owner=trainer, title="独立测验", questions=[f.single(qbank)], status=Quiz.Status.PUBLISHED
    )
    assert not _api_sees(api_for(sales_a), loose)
    assert _api_sees(api_for(trainer), loose)


def test_own_attempts_stay_readable_after_unenrolling(api_for, sales_a, course_quiz):
    enrollment = f.enrol(sales_a, course_quiz)
    attempt = services.attempt_submit(attempt=services.attempt_start(quiz=course_quiz, user=sales_a))
    enrollment.unenrolled_at = timezone.now()
    enrollment.save(update_fields=["unenrolled_at"])
    assert api_for(sales_a).get(f"/api/v1/attempts/{attempt.id}/").status_code == 200


# --- trainers ------------------------------------------------------------------------------------------------


def test_trainer_sees_own_quizzes_drafts_included(client_for, api_for, trainer, qbank, course_quiz):
    draft = f.quiz(trainer, [f.single(qbank)], status="draft", title="草稿")
    for quiz in (course_quiz, draft):
        assert _api_sees(api_for(trainer), quiz)
        assert _page_sees(client_for(trainer), quiz)


def test_other_trainer_does_not_see_a_quiz_they_do_not_own(client_for, api_for, course_quiz):
    other = make_trainer()
    assert not _api_sees(api_for(other), course_quiz)
    assert not _page_sees(client_for(other), course_quiz)
    assert api_for(other).post(f"/api/v1/quizzes/{course_quiz.id}/attempts/").status_code == 404
    assert client_for(other).get(reverse("assessments:analysis", args=[course_quiz.id])).status_code == 404
    assert api_for(other).get(f"/api/v1/quizzes/{course_quiz.id}/item-analysis/").status_code == 404


def test_trainer_enrolled_as_a_learner_sees_the_quiz(api_for, course_quiz):
    other = make_trainer()
    f.enrol(other, course_quiz)
    assert _api_sees(api_for(other), course_quiz)


# --- managers ------------------------------------------------------------------------------------------------


def test_manager_sees_team_results_but_not_the_quiz(client_for, api_for, sales_a, manager_a, manager_b, course_quiz):
    f.enrol(sales_a, course_quiz)
    attempt = services.attempt_submit(attempt=services.attempt_start(quiz=course_quiz, user=sales_a))
    assert not _api_sees(api_for(manager_a), course_quiz)
    assert not _page_sees(client_for(manager_a), course_quiz)
    assert api_for(manager_a).post(f"/api/v1/quizzes/{course_quiz.id}/attempts/").status_code == 404
    # Results of their team: allowed.
    assert api_for(manager_a).get(f"/api/v1/attempts/{attempt.id}/").status_code == 200
    assert [a["id"] for a in api_for(manager_a).get("/api/v1/attempts/").json()["results"]] == [attempt.id]
    page = client_for(manager_a).get(reverse("assessments:results") + f"?quiz={course_quiz.id}")
    assert page.status_code == 200 and reverse("assessments:attempt", args=[attempt.id]) in page.content.decode()
    # Another team's manager: nothing.
    assert api_for(manager_b).get(f"/api/v1/attempts/{attempt.id}/").status_code == 404
    assert api_for(manager_b).get("/api/v1/attempts/").json()["count"] == 0


def test_enrolled_manager_takes_the_quiz_like_anyone(api_for, manager_a, course_quiz):
    f.enrol(manager_a, course_quiz)
    assert _api_sees(api_for(manager_a), course_quiz)
    assert api_for(manager_a).post(f"/api/v1/quizzes/{course_quiz.id}/attempts/").status_code == 201


# --- staff and anonymous -------------------------------------------------------------------------------------


def test_staff_see_every_quiz(client_for, api_for, admin_user, trainer, qbank, course_quiz, plan_quiz):
    draft = f.quiz(trainer, [f.single(qbank)], status="draft", title="草稿")
    for quiz in (course_quiz, plan_quiz, draft):
        assert _api_sees(api_for(admin_user), quiz)
        assert _page_sees(client_for(admin_user), quiz)


def test_anonymous_sees_nothing(client, api_for, course_quiz):
    assert api_for(None).get("/api/v1/quizzes/").status_code in (401, 403)
    assert api_for(None).get(f"/api/v1/quizzes/{course_quiz.id}/").status_code in (401, 403)
    assert api_for(None).post(f"/api/v1/quizzes/{course_quiz.id}/attempts/").status_code in (401, 403)
    response = client.get(reverse("assessments:quiz", args=[course_quiz.id]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- lists are scoped and bounded ----------------------------------------------------------------------------


def test_quiz_lists_show_only_visible_quizzes_with_bounded_queries(
    client_for, api_for, trainer, qbank, django_assert_max_num_queries
):
    person = make_salesperson()
    mine = [f.quiz(trainer, [], title=f"我的测验{i:02d}", takers=[person]) for i in range(12)]
    plan = PlanFactory(status="published")
    mine += [f.quiz(trainer, [], title=f"计划考试{i:02d}", plan=plan) for i in range(3)]
    f.enrol(person, mine[-1])
    others = [f.quiz(trainer, [], title=f"别人的测验{i:02d}") for i in range(5)]
    api = api_for(person)
    with django_assert_max_num_queries(6):
        listed = api.get("/api/v1/quizzes/?page_size=100").json()
    assert {q["id"] for q in listed["results"]} == {q.id for q in mine}
    client = client_for(person)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("assessments:quizzes")).content.decode()
    assert all(q.title in page for q in mine) and not any(q.title in page for q in others)

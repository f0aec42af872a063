"""Who may change a question, and which version a quiz gives (issue 18, item 2).

The red team: trainer2 changed the answer key of a question in trainer's published quiz with PUT, and the next
attempt used it. Now a fixed question of a quiz is changed only by that quiz's owners (and its author); anyone else
copies it; and a published quiz keeps the versions it was published with until an owner takes the newer ones.
"""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from assessments import selectors, services
from assessments.models import Question, Quiz
from lms.audit import AuditAction
from lms.models import AuditLog
from tests.assessments import factories as f
from tests.factories import make_trainer

WRONG_KEY = {
    "qtype": "single",
    "stem": "客户说太贵了，第一步？",
    "options": [
        {"text": "立刻降价", "weight": 100},
        {"text": "了解比较对象", "weight": 0},
        {"text": "结束拜访", "weight": 0},
    ],
    "category": "sales-skills",
}


@pytest.fixture
def trainer2(db):
    return make_trainer(username="trainer_2", display_name="吴培训")


@pytest.fixture
def owned(trainer, qbank, sales_a):
    """trainer's published quiz with one fixed question (key: B) authored by trainer; sales_a may take it."""
    question = f.single(qbank, author=trainer)
    quiz = f.quiz(trainer, [question], takers=[sales_a], attempts_allowed=3)
    return quiz, question


def _given_key(quiz, user):
    attempt = services.attempt_start(quiz=quiz, user=user)
    options = attempt.items.get().version.options
    services.attempt_submit_and_grade(attempt=attempt)
    return "".join("ABC"[i] for i, o in enumerate(options) if o["weight"] > 0)


def test_another_trainer_cannot_put_a_key_into_my_published_quiz(owned, trainer2, sales_a, api_for):
    quiz, question = owned
    response = api_for(trainer2).put(f"/api/v1/questions/{question.pk}/", WRONG_KEY, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_question_owner"
    question.refresh_from_db()
    assert question.versions.count() == 1
    assert _given_key(quiz, sales_a) == "B"


def test_the_service_refuses_too(owned, trainer2):
    _quiz, question = owned
    with pytest.raises(PermissionDenied):
        services.question_update(question=question, author=trainer2, data=WRONG_KEY)


def test_the_page_shows_a_copy_button_and_refuses_a_post(owned, trainer2, client_for):
    _quiz, question = owned
    client = client_for(trainer2)
    page = client.get(f"/questions/{question.pk}/edit/")
    assert page.status_code == 200
    assert f"/questions/{question.pk}/copy/" in page.content.decode()
    assert page.context["editable"] is False
    refused = client.post(f"/questions/{question.pk}/edit/", {"qtype": "single", "stem": "改"}, follow=True)
    assert refused.status_code == 200
    assert question.versions.count() == 1


def test_copy_gives_a_question_of_ones_own_that_can_be_edited(owned, trainer2, api_for):
    quiz, question = owned
    api = api_for(trainer2)
    response = api.post(f"/api/v1/questions/{question.pk}/copy/")
    assert response.status_code == 201
    body = response.json()
    assert body["id"] != question.pk and body["editable"] is True and body["version"] == 1
    assert body["stem"] == question.current.stem and body["options"] == question.current.options
    copy = Question.objects.get(pk=body["id"])
    assert copy.author == trainer2 and copy.bank_id == question.bank_id
    assert api.put(f"/api/v1/questions/{copy.pk}/", WRONG_KEY, format="json").status_code == 200
    assert not quiz.questions.filter(pk=copy.pk).exists()


def test_page_copy_redirects_to_the_copy(owned, trainer2, client_for):
    _quiz, question = owned
    response = client_for(trainer2).post(f"/questions/{question.pk}/copy/")
    copy = Question.objects.exclude(pk=question.pk).get()
    assert response.status_code == 302 and response.url == f"/questions/{copy.pk}/edit/"


@pytest.mark.parametrize("who", ["author", "owner", "admin", "unused"])
def test_who_may_edit(who, trainer, trainer2, qbank, admin_user, api_for):
    question = f.single(qbank, author=trainer2 if who == "author" else None)
    if who != "unused":
        quiz = f.quiz(trainer, [question])
        if who == "owner":
            quiz.owners.add(trainer2)
    user = admin_user if who == "admin" else trainer2
    response = api_for(user).put(f"/api/v1/questions/{question.pk}/", WRONG_KEY, format="json")
    assert response.status_code == 200, response.content


def test_an_owner_of_one_quiz_may_not_change_a_question_another_owner_also_uses(trainer, trainer2, qbank, api_for):
    question = f.single(qbank)
    f.quiz(trainer, [question])
    f.quiz(trainer2, [question])
    assert api_for(trainer2).put(f"/api/v1/questions/{question.pk}/", WRONG_KEY, format="json").status_code == 403


def test_the_list_says_what_each_may_edit(owned, trainer2, qbank, api_for):
    _quiz, question = owned
    free = f.single(qbank, stem="没人用的题")
    rows = {row["id"]: row["editable"] for row in api_for(trainer2).get("/api/v1/questions/").json()["results"]}
    assert rows == {question.pk: False, free.pk: True}


def test_an_owners_edit_waits_until_the_owner_takes_it(owned, trainer, sales_a, client_for):
    quiz, question = owned
    services.question_update(question=question, author=trainer, data=WRONG_KEY)
    assert selectors.quiz_outdated_questions(quiz=quiz) == 1
    assert _given_key(quiz, sales_a) == "B", "a published quiz keeps its version"
    client = client_for(trainer)
    page = client.get(f"/quizzes/{quiz.pk}/")
    assert f"/quizzes/{quiz.pk}/take-new-versions/" in page.content.decode()
    assert client.post(f"/quizzes/{quiz.pk}/take-new-versions/").status_code == 302
    assert selectors.quiz_outdated_questions(quiz=Quiz.objects.get(pk=quiz.pk)) == 0
    assert _given_key(Quiz.objects.get(pk=quiz.pk), sales_a) == "A"
    entry = AuditLog.objects.get(action=AuditAction.QUIZ_NEW_VERSIONS)
    assert entry.actor == trainer and entry.details == {"questions": 1}


def test_only_an_owner_can_take_new_versions(owned, trainer2, client_for):
    quiz, _question = owned
    assert client_for(trainer2).post(f"/quizzes/{quiz.pk}/take-new-versions/").status_code == 404


def test_a_draft_follows_the_current_version_and_publishing_pins_it(trainer, qbank, sales_a):
    question = f.single(qbank, author=trainer)
    quiz = f.quiz(trainer, [question], takers=[sales_a], status=Quiz.Status.DRAFT, attempts_allowed=3)
    assert quiz.versions_upto is None
    services.question_update(question=question, author=trainer, data=WRONG_KEY)
    quiz.status = Quiz.Status.PUBLISHED
    services.quiz_save(quiz=quiz, owner=trainer, questions=[question], rules=[])
    assert quiz.versions_upto == question.versions.order_by("-id").first().pk
    assert _given_key(quiz, sales_a) == "A"
    services.question_update(
        question=question, author=trainer, data={**WRONG_KEY, "options": WRONG_KEY["options"][::-1]}
    )
    services.quiz_save(quiz=quiz, owner=trainer, questions=[question], rules=[])  # saving settings pins nothing new
    assert _given_key(quiz, sales_a) == "A"


def test_a_random_quiz_keeps_the_versions_of_its_pool(trainer, trainer2, qbank, sales_a):
    question = f.single(qbank, author=trainer2)
    quiz = f.quiz(trainer, [], takers=[sales_a], mode=Quiz.Mode.RANDOM, attempts_allowed=3)
    services.quiz_save(
        quiz=quiz, owner=trainer, questions=[], rules=[{"category": f.category("sales-skills"), "count": 1}]
    )
    services.question_update(question=question, author=trainer2, data=WRONG_KEY)  # its author may; not in a fixed quiz
    assert selectors.quiz_outdated_questions(quiz=quiz) == 1
    assert _given_key(quiz, sales_a) == "B"
    added_later = f.single(qbank, stem="后来加的题", correct="C", category="product")
    services.quiz_save(quiz=quiz, owner=trainer, questions=[], rules=[{"category": f.category("product"), "count": 1}])
    assert _given_key(quiz, sales_a) == "C", "a question added after publishing gives its first version"
    assert added_later.versions.count() == 1


def test_migration_pins_published_quizzes(owned):
    """What the data migration does: published quizzes give the versions current at the time (checked here on
    the function the migration runs)."""
    quiz, _question = owned
    Quiz.objects.filter(pk=quiz.pk).update(versions_upto=None)
    migration = importlib.import_module("assessments.migrations.0005_quiz_versions_upto")
    migration.pin_published(apps, None)
    quiz.refresh_from_db()
    assert quiz.versions_upto == _question.current_id


def test_a_salesperson_cannot_copy_or_take_versions(owned, sales_a, api_for, client_for):
    quiz, question = owned
    assert api_for(sales_a).post(f"/api/v1/questions/{question.pk}/copy/").status_code == 403
    client = client_for(sales_a)
    assert client.post(f"/questions/{question.pk}/copy/").status_code in (403, 404)
    assert client.post(f"/quizzes/{quiz.pk}/take-new-versions/").status_code in (403, 404)
    assert Question.objects.count() == 1


def test_copy_of_a_missing_question_is_404(trainer2, api_for):
    assert api_for(trainer2).post("/api/v1/questions/999999/copy/").status_code == 404


def test_the_bank_and_the_quiz_page_stay_within_their_query_budgets(
    owned, trainer, trainer2, qbank, api_for, client_for, django_assert_max_num_queries
):
    quiz, question = owned
    for i in range(15):
        f.quiz(trainer, [f.single(qbank, stem=f"题{i}")])
    api = api_for(trainer2)
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/questions/").status_code == 200
    with django_assert_max_num_queries(12):
        assert api.post(f"/api/v1/questions/{question.pk}/copy/").status_code == 201
    services.question_update(question=question, author=trainer, data=WRONG_KEY)
    client = client_for(trainer)
    with django_assert_max_num_queries(20):
        page = client.get(f"/quizzes/{quiz.pk}/")
    assert f"/quizzes/{quiz.pk}/take-new-versions/" in page.content.decode()

"""Ids past 64 bits sent to the quiz builder and the question bank are unknown ids, not a 500: SQLite cannot bind
them (OverflowError). Each address answers as it does for any other unknown id, and nothing is written."""

import pytest
from django.urls import reverse

from assessments.models import Question, Quiz
from lms.ids import MAX_ID, parse_id, parse_ids
from tests.assessments import factories as qf

pytestmark = pytest.mark.django_db

BIG = str(MAX_ID + 1)


@pytest.fixture
def question(trainer):
    bank = qf.bank()
    bank.owners.add(trainer)
    return qf.single(bank, author=trainer)


def test_parse_id_takes_only_ids_a_row_can_have():
    assert parse_id("42") == 42 and parse_id(str(MAX_ID)) == MAX_ID
    for raw in (BIG, "0", "-1", "1.5", "٣", "", None, True, " 7", "1e3"):
        assert parse_id(raw) is None, raw
    assert parse_ids(["3", "x", BIG, "3", "1"]) == [3, 1]


def test_picker_and_rule_count_ignore_a_filter_past_64_bits(client_for, trainer, question):
    client = client_for(trainer)
    picker = client.get(reverse("assessments:quiz_picker"), {"pick_category": BIG, "pick_competency": BIG})
    assert picker.status_code == 200 and question.current.stem in picker.text  # the filter is dropped
    count = client.get(reverse("assessments:quiz_rule_count"), {"rules-0-category": BIG, "rules-0-count": "1"})
    assert count.status_code == 200 and 'data-short="0"' in count.text


def test_a_picked_row_past_64_bits_is_404(client_for, trainer):
    response = client_for(trainer).get(f"/quizzes/builder/questions/{BIG}/")
    assert response.status_code == 404


def test_builder_and_bulk_posts_with_ids_past_64_bits_change_nothing(client_for, trainer, question):
    client = client_for(trainer)
    page = client.get(reverse("assessments:quiz_new"), {"course": BIG, "plan": BIG})
    assert page.status_code == 200
    edited = client.post(reverse("assessments:quiz_new"), {"title": "测验", "questions": [BIG], "add": BIG})
    assert edited.status_code == 200 and not Quiz.objects.exists()
    bulk = client.post(reverse("assessments:question_bulk"), {"ids": [BIG], "action": "retire"})
    assert bulk.status_code == 302
    assert not Question.objects.filter(is_archived=True).exists()

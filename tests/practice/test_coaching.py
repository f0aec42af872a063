"""Coaching that reaches the learner (issue 19): re-scoring per dimension of the rubric with a reason each, the
overall recomputed as the scorer does, the history kept and audited; comments and corrections notify the learner
and show on their scorecard. finished_a: key points 100 (weight 25), objections 75 (20), compliance 100 (10),
discovery 13 (15), empathy 75 (10), conciseness 100 (5), close 100 (15): 7945 / 100 -> 79, pass mark 65."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from lms.audit import AuditAction
from lms.models import AuditLog
from notifications.models import Notification
from practice import selectors, services
from practice.models import CoachingComment, DimensionOverride, PracticeSession, ScoreOverride
from tests.factories import make_trainer
from tests.practice.conftest import GOOD_REPLIES

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"practice:{name}", args=args)


def test_rescoring_dimensions_recomputes_the_overall_and_keeps_the_history(client_for, manager_a, finished_a):
    client = client_for(manager_a)
    first = {"discovery-score": "70", "discovery-reason": "问到了预算和决策人", "close-score": "", "close-reason": ""}
    assert client.post(url("override", finished_a.id), first).status_code == 302
    finished_a.refresh_from_db()
    assert finished_a.score == 88 and finished_a.passed is True  # (7945 - 13*15 + 70*15) / 100 = 88
    second = {"discovery-score": "20", "discovery-reason": "其实只问了一个", "key_points-score": "0",
              "key_points-reason": "关键点都没讲"}  # fmt: skip
    assert client.post(url("override", finished_a.id), second).status_code == 302
    finished_a.refresh_from_db()
    assert finished_a.score == 56 and finished_a.passed is False  # (8800 - 70*15 + 20*15 - 2500) / 100 = 55.5
    rows = list(DimensionOverride.objects.order_by("id").values_list("dimension", "before", "after", "reason"))
    assert rows == [
        ("discovery", 13, 70, "问到了预算和决策人"),
        ("discovery", 70, 20, "其实只问了一个"),
        ("key_points", 100, 0, "关键点都没讲"),
    ]
    corrections = list(ScoreOverride.objects.order_by("id"))
    assert [(o.previous_score, o.score, o.author_id) for o in corrections] == [
        (79, 88, manager_a.id),
        (88, 56, manager_a.id),
    ]
    assert all(o.scorer_score == 79 for o in corrections)  # the scorer's own score stays in the card
    assert finished_a.scorecard["overall"] == 79
    assert AuditLog.objects.filter(action=AuditAction.SCORE_OVERRIDE, object_id=str(finished_a.pk)).count() == 2


def test_the_learner_sees_each_adjusted_dimension_with_its_reason_and_the_comment(
    client, client_for, manager_a, finished_a
):
    client_for(manager_a).post(url("override", finished_a.id), {"discovery-score": "70", "discovery-reason": "问得好"})
    client_for(manager_a).post(url("comment", finished_a.id), {"body": "下次先确认决策流程。"})
    client.logout()
    page = client_for(finished_a.user).get(url("session", finished_a.id))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="adjusted-discovery"' in text and 'data-testid="adjusted-close"' not in text
    block = text[text.index('data-testid="dimension-discovery"') :][:1500]
    assert "70" in block and "问得好" in block and "王经理" in block
    assert 'data-testid="overall-score">88<' in text
    comment = text[text.index('data-testid="comment"') :][:400]
    assert "王经理" in comment and "下次先确认决策流程。" in comment
    assert finished_a.started_at.strftime("%Y") in comment  # dated
    assert 'data-testid="override-form"' not in text and 'data-testid="add-comment"' not in text  # reads only


def test_comment_and_correction_notify_the_learner_with_a_link_to_the_scorecard(manager_a, finished_a):
    services.comment_add(session=finished_a, author=manager_a, body="很好")
    services.score_override(
        session=finished_a, author=manager_a, changes={"close": {"score": 50, "reason": "没约时间"}}
    )
    notices = {n.kind: n for n in Notification.objects.filter(recipient=finished_a.user)}
    assert set(notices) == {"practice_comment", "practice_override"}
    for notice in notices.values():
        assert notice.url == url("session", finished_a.id)
        assert notice.context["coach"] == "王经理" and notice.context["title"] == finished_a.scenario.title
    assert notices["practice_comment"].context["excerpt"] == "很好"
    assert (notices["practice_override"].context["before"], notices["practice_override"].context["after"]) == (79, 72)
    assert not Notification.objects.filter(recipient=manager_a).exists()


def test_each_comment_is_a_notice_of_its_own(manager_a, finished_a):
    services.comment_add(session=finished_a, author=manager_a, body="一")
    services.comment_add(session=finished_a, author=manager_a, body="二")
    assert Notification.objects.filter(recipient=finished_a.user, kind="practice_comment").count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"discovery-score": "101", "discovery-reason": "x"}, "0"),
        ({"discovery-score": "-3", "discovery-reason": "x"}, "0"),
        ({"discovery-score": "七十", "discovery-reason": "x"}, "0"),
        ({"discovery-score": "70", "discovery-reason": "  "}, "discovery-reason"),
        ({"discovery-reason": "只写了原因"}, "discovery-score"),
        ({"bogus-score": "70", "bogus-reason": "x"}, "bogus"),
        ({}, "override-errors"),
    ],
)
def test_bad_corrections_are_form_errors_and_nothing_is_written(client_for, manager_a, finished_a, data, message):
    # a good dimension beside the bad one: all or nothing
    data = {"close-score": "10", "close-reason": "没有约下一步", **data}
    if message == "override-errors":
        data = {}
    response = client_for(manager_a).post(url("override", finished_a.id), data)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    if message == "bogus":
        assert "bogus" in response.text  # "unknown dimension “bogus”"
    finished_a.refresh_from_db()
    assert finished_a.score == 79 and finished_a.passed is True
    assert not ScoreOverride.objects.exists() and not DimensionOverride.objects.exists()
    assert not Notification.objects.filter(kind="practice_override").exists()
    assert not AuditLog.objects.filter(action=AuditAction.SCORE_OVERRIDE).exists()


def test_the_form_keeps_what_was_typed_and_says_which_field_is_wrong(client_for, manager_a, finished_a):
    response = client_for(manager_a).post(
        url("override", finished_a.id), {"close-score": "150", "close-reason": "太差"}
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert 'value="150"' in text and "太差" in text
    field = text[text.index('id="id_close-score"') :][:600]
    assert "invalid-feedback" in field


def test_a_dimension_the_rubric_does_not_weigh_cannot_be_rescored(manager_a, finished_a):
    card = finished_a.scorecard
    card["dimensions"]["conciseness"]["weight"] = 0
    PracticeSession.objects.filter(pk=finished_a.pk).update(scorecard=card)
    finished_a.refresh_from_db()
    with pytest.raises(services.ValidationError) as exc:
        services.score_override(
            session=finished_a, author=manager_a, changes={"conciseness": {"score": 0, "reason": "x"}}
        )
    assert "__all__" in exc.value.message_dict


def test_rescoring_compliance_replaces_the_compliance_gate(manager_a, finished_a):
    card = finished_a.scorecard
    card["compliance_failed"] = True
    PracticeSession.objects.filter(pk=finished_a.pk).update(scorecard=card, passed=False, compliance_failed=True)
    finished_a.refresh_from_db()
    services.score_override(session=finished_a, author=manager_a, changes={"close": {"score": 100, "reason": "约了"}})
    finished_a.refresh_from_db()
    assert finished_a.passed is False  # the gate still holds
    services.score_override(
        session=finished_a, author=manager_a, changes={"compliance": {"score": 90, "reason": "那句话是引用客户"}}
    )
    finished_a.refresh_from_db()
    assert finished_a.passed is True and finished_a.score == 78


def test_an_unfinished_session_cannot_be_rescored(client_for, manager_a, sales_a, too_expensive, play):
    open_session = play(sales_a, too_expensive, GOOD_REPLIES[:1], finish=False)
    response = client_for(manager_a).post(url("override", open_session.id), {"close-score": "9", "close-reason": "x"})
    assert response.status_code == 422
    assert not ScoreOverride.objects.exists()


# --- who may coach -----------------------------------------------------------------------------------------


def test_the_scenarios_trainer_may_comment_and_rescore(client_for, trainer, finished_a):
    finished_a.scenario.created_by = trainer
    finished_a.scenario.save(update_fields=["created_by"])
    client = client_for(trainer)
    assert client.get(url("session", finished_a.id)).status_code == 200
    assert client.post(url("comment", finished_a.id), {"body": "开场很好"}).status_code == 302
    data = {"empathy-score": "90", "empathy-reason": "语气很好"}
    assert client.post(url("override", finished_a.id), data).status_code == 302
    assert CoachingComment.objects.get().author == trainer
    assert ScoreOverride.objects.get().author == trainer


def test_another_trainer_may_not(client_for, finished_a):
    other = make_trainer(username="other_trainer")
    client = client_for(other)
    assert client.get(url("session", finished_a.id)).status_code == 404
    assert client.post(url("comment", finished_a.id), {"body": "x"}).status_code == 404
    assert client.post(url("override", finished_a.id), {"close-score": "1", "close-reason": "x"}).status_code == 404
    assert not CoachingComment.objects.exists() and not ScoreOverride.objects.exists()


def test_an_admin_may_coach(client_for, admin_user, finished_a):
    response = client_for(admin_user).post(url("override", finished_a.id), {"close-score": "0", "close-reason": "x"})
    assert response.status_code == 302
    assert ScoreOverride.objects.get().author == admin_user


def test_the_learner_may_not_coach_themself(client_for, finished_a):
    client = client_for(finished_a.user)
    assert client.post(url("comment", finished_a.id), {"body": "自夸"}).status_code == 404
    assert client.post(url("override", finished_a.id), {"close-score": "100", "close-reason": "x"}).status_code == 404


def test_a_trainers_trial_is_not_coached_by_their_manager(client_for, trainer, manager_a, sales_a, too_expensive, play):
    trainer.team = sales_a.team
    trainer.save(update_fields=["team"])
    trial = play(trainer, too_expensive, GOOD_REPLIES, is_trial=True)
    assert selectors.can_coach(user=manager_a, session=trial) is False
    assert client_for(manager_a).post(url("comment", trial.id), {"body": "x"}).status_code == 404


# --- the API -------------------------------------------------------------------------------------------------


def test_api_session_shows_comments_corrections_and_adjusted_dimensions(api_for, manager_a, finished_a):
    services.comment_add(session=finished_a, author=manager_a, body="不错")
    services.score_override(session=finished_a, author=manager_a, changes={"close": {"score": 50, "reason": "没约"}})
    body = api_for(finished_a.user).get(f"/api/v1/practice/sessions/{finished_a.id}/").json()
    assert body["score"] == 72 and body["scorer_score"] == 79  # the existing fields keep their meaning
    close = next(d for d in body["dimensions"] if d["code"] == "close")
    assert close["score"] == 50 and close["adjusted"] is True
    assert close["adjustment"]["reason"] == "没约" and close["adjustment"]["by"] == "王经理"
    assert close["adjustment"]["scorer_score"] == 100
    other = next(d for d in body["dimensions"] if d["code"] == "empathy")
    assert other["adjusted"] is False and other["adjustment"] is None
    assert [(c["author"], c["body"]) for c in body["comments"]] == [("王经理", "不错")]
    [correction] = body["corrections"]
    assert (correction["before"], correction["after"], correction["passed"]) == (79, 72, True)
    assert correction["dimensions"][0] == {"code": "close", "label": correction["dimensions"][0]["label"],
                                           "before": 100, "after": 50, "reason": "没约"}  # fmt: skip


def test_api_session_list_reads_the_coaching_in_bounded_queries(
    api_for, manager_a, sales_a, too_expensive, play, django_assert_max_num_queries
):
    for i in range(6):
        session = play(sales_a, too_expensive, GOOD_REPLIES)
        services.comment_add(session=session, author=manager_a, body=f"评语 {i}")
        services.score_override(session=session, author=manager_a, changes={"close": {"score": i, "reason": "r"}})
    api = api_for(sales_a)
    with django_assert_max_num_queries(14):
        body = api.get("/api/v1/practice/sessions/").json()
    assert len(body) == 6 and all(len(s["comments"]) == 1 and len(s["corrections"]) == 1 for s in body)


def test_result_page_reads_the_coaching_in_bounded_queries(
    client_for, manager_a, finished_a, django_assert_max_num_queries
):
    for i in range(8):
        services.comment_add(session=finished_a, author=manager_a, body=f"评语 {i}")
        services.score_override(session=finished_a, author=manager_a, changes={"close": {"score": i, "reason": "r"}})
    client = client_for(finished_a.user)
    with django_assert_max_num_queries(30):
        page = client.get(url("session", finished_a.id))
    assert page.content.decode().count('data-testid="correction"') == 8


def test_the_learners_history_marks_coached_sessions(client_for, manager_a, sales_a, finished_a, too_expensive, play):
    plain = play(sales_a, too_expensive, GOOD_REPLIES[:1])
    services.comment_add(session=finished_a, author=manager_a, body="好")
    services.score_override(session=finished_a, author=manager_a, changes={"close": {"score": 50, "reason": "没约"}})
    page = client_for(sales_a).get(url("history"))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('data-testid="history-adjusted"') == 1 and text.count('data-testid="history-commented"') == 1
    row = text[text.index(url("session", plain.id)) :].split("</tr>")[0]
    assert "history-adjusted" not in row


def test_a_correction_to_a_pass_completes_the_assignment(manager_a, finished_a):
    from practice.models import PracticeAssignment

    due = timezone.localdate() + dt.timedelta(days=3)
    services.practice_assign(user_ids=[finished_a.user_id], scenario=finished_a.scenario, due_date=due, by=manager_a)
    PracticeSession.objects.filter(pk=finished_a.pk).update(passed=False)
    PracticeAssignment.objects.update(completed_at=None)
    session = PracticeSession.objects.get(pk=finished_a.pk)
    changes = {code: {"score": 100, "reason": "复核"} for code in services.overridable_dimensions(session)}
    services.score_override(session=session, author=manager_a, changes=changes)
    assert PracticeSession.objects.get(pk=session.pk).passed is True
    assert PracticeAssignment.objects.get(user_id=session.user_id).completed_at is not None

"""What a course asks of a learner before it counts as completed, as the completion panel shows it.

learning/ lists the lessons itself; the apps above add their requirements through
`hooks.completion_requirement_rows` (assessments/: the final quiz; practice/: required role plays).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


class RequirementState:
    DONE = "done"  # met
    TODO = "todo"  # not started or under way, the learner can act
    FAILED = "failed"  # tried and not met, the learner can try again
    STUCK = "stuck"  # not met and the learner cannot act alone (no attempts left): `help_text` says who to ask
    WAITING = "waiting"  # the learner did their part; someone else acts next (an essay awaiting grading)


# How the panel names each state, after the requirement's title ("期末测验" + "未通过").
STATE_LABELS = {
    RequirementState.DONE: _("done"),
    RequirementState.TODO: _("not done yet"),
    RequirementState.FAILED: _("not passed"),
    RequirementState.STUCK: _("not passed"),
    RequirementState.WAITING: _("awaiting review"),
}


@dataclass(frozen=True)
class Requirement:
    """One line of the completion panel.

    kind: "lessons", "quiz", "practice" or another app's word; title: what it is (translated);
    state: a RequirementState value; detail: the learner's standing in words (e.g. "最好成绩 55%，及格线 80%，
    剩余 0 次"), never a raw id or an internal score; action_url/action_label: the one next step, if any;
    help_text: what to do when stuck; order: where it sits (lessons 10, quiz 20, practice 30).
    extra: what a page may need beyond this (e.g. {"request_url": ...} for "ask for another attempt").
    """

    kind: str
    title: str
    state: str
    detail: str = ""
    action_url: str = ""
    action_label: str = ""
    help_text: str = ""
    order: int = 50
    extra: dict = field(default_factory=dict)

    @property
    def met(self) -> bool:
        return self.state == RequirementState.DONE

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.state, self.state))

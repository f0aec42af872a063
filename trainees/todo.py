"""What trainees/ adds to the home's to-do list (lms.todo): people imports uploaded but not confirmed."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lms import todo
from lms.roles import TRAINER, has_role, is_admin
from trainees.models import PeopleImport


def imports_todo(*, user, today: dt.date) -> list[todo.TodoItem]:
    if not (has_role(user, TRAINER) or is_admin(user)):
        return []
    pending = PeopleImport.objects.filter(owner_id=user.id, status=PeopleImport.Status.PENDING).order_by("-created_at")
    return [
        todo.TodoItem(
            section="teach",
            title=row.filename or _("People import"),
            url=reverse("trainees:import-preview", args=[row.pk]),
            kind=_("People import"),
            detail=_("Uploaded on %(date)s and not imported yet: check the preview and confirm, or upload it again.")
            % {"date": timezone.localtime(row.created_at).date().isoformat()},
            action=_("Check the preview"),
        )
        for row in pending.only("id", "filename", "created_at")[: todo.SECTION_LIMIT]
    ]


def register() -> None:
    todo.home_todo.register(imports_todo)

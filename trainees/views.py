from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from lms.permissions import role_required
from lms.roles import MANAGER, TRAINER
from lms.templatetags.lms_tags import role_label
from trainees import selectors


@login_required
@role_required(MANAGER, TRAINER)
def people(request):
    search = request.GET.get("q", "").strip()
    team = request.GET.get("team", "")
    qs = selectors.person_list(user=request.user, search=search, team_id=int(team) if team.isdigit() else None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    teams = selectors.teams_for_user(user=request.user).order_by("full_name")
    return render(request, "trainees/people.html", {"page": page, "q": search, "team": team, "teams": teams})


@login_required
def person(request, person_id: int):
    person = selectors.person_get_for_user(user=request.user, person_id=person_id)
    return render(
        request, "trainees/person.html", {"person": person, "roles": [role_label(g.name) for g in person.groups.all()]}
    )

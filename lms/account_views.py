"""The account page: sessions, API token, "log out everywhere"."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from lms import services
from lms.models import UserSession


@login_required
def account(request):
    context = {
        "session_count": UserSession.objects.filter(user=request.user).count(),
        "has_token": Token.objects.filter(user=request.user).exists(),
    }
    return render(request, "account/account.html", context)


@login_required
@require_POST
def logout_everywhere(request):
    user = request.user
    ended = services.sessions_end_all(user=user, request=request)
    logout(request)
    messages.success(request, _("You were logged out on every device (%(n)s sessions ended).") % {"n": ended})
    return redirect("login")

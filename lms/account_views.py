"""The account page: sessions, API token, "log out everywhere"; password reset by e-mail."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from lms import security, services
from lms.audit import AuditAction, audit_log_record
from lms.mail import mailbox_folder
from lms.models import UserSession
from lms.roles import is_admin


@login_required
def account(request):
    context = {
        "session_count": UserSession.objects.filter(user=request.user).count(),
        "has_token": Token.objects.filter(user=request.user).exists(),
        "local_mailbox": is_admin(request.user) and mailbox_folder() is not None,
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


class PasswordResetView(auth_views.PasswordResetView):
    """Django's "forgot password" form. Any well-formed address gets the same "check your mail" page: the mail, if
    an account has the address, goes out from a Celery task (lms.services.password_reset_request). Over the rate
    limit the form is shown again with a message, answering 429, whether or not the address is known."""

    def form_valid(self, form):
        sent = services.password_reset_request(
            email=form.cleaned_data["email"], ip=security.client_ip(self.request), language=get_language()
        )
        if not sent:
            context = self.get_context_data(form=form, limited_message=security.password_reset_limited_message())
            return self.render_to_response(context, status=429)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's "choose a new password" page behind the link (the token moves to the session at once, so the page
    the person sees has no token in its address). Saving the password ends the account's API tokens
    (trainees.models.User.save) and its other sessions, and is recorded in the audit log."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_log_record(actor=form.user, action=AuditAction.PASSWORD_RESET, obj=form.user, request=self.request)
        return response

"""The local mailbox (本地邮箱): in development, with the file e-mail backend, staff read the mails the app sent
(password resets, welcomes, reminders, digests) as text in the browser. Anywhere else the page does not exist."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from lms.mail import mailbox_folder, mailbox_messages
from lms.roles import is_admin


def local_mailbox(request):
    folder = mailbox_folder()
    if folder is None or not is_admin(request.user):
        raise Http404
    page = Paginator(mailbox_messages(folder=folder), 20).get_page(request.GET.get("page"))
    return render(request, "account/mailbox.html", {"page": page, "folder": folder})

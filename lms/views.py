from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from lms.navigation import nav_items_for


@login_required
def home(request):
    """The landing page: a short welcome with the places this person's roles open."""
    return render(request, "home.html", {"shortcuts": nav_items_for(request.user)})

from django.urls import path

from lms import account_views

app_name = "account"
urlpatterns = [
    path("account/", account_views.account, name="index"),
    path("account/logout-everywhere/", account_views.logout_everywhere, name="logout-everywhere"),
]

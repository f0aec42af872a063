from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from lms import account_views, health, jobs, mailbox, views

# Redoc injects <style> elements at run time (styled-components) and runs its search in a blob: worker.
REDOC_CSP = {
    **settings.SECURE_CSP,
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "worker-src": [CSP.SELF, "blob:"],
    # Redoc's sidebar always shows Redocly's logo from their CDN (an image only; no script or style from there).
    "img-src": [CSP.SELF, "data:", "https://cdn.redoc.ly"],
}

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    re_path(
        rf"^admin/trainees/(?P<model>{'|'.join(views.MOVED_ADMIN_MODELS)})/(?P<rest>.*)$",
        views.moved_admin_page,
        name="admin-moved-model",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("lms.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", csp_override(REDOC_CSP)(SpectacularRedocView.as_view(url_name="schema")), name="api-redoc"),
    path("", include("lms.account_urls")),
    path("dev/mailbox/", mailbox.local_mailbox, name="local-mailbox"),
    # Background job progress partial (lms.jobs), polled by any page with long work.
    path("jobs/<int:job_id>/progress/", jobs.job_progress, name="job_progress"),
    path("", include("trainees.urls")),
    path("", include("courses.urls")),
    path("", include("learning.urls")),
    path("", include("assessments.urls")),
    path("", include("practice.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("", include("notifications.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "lms.api.exceptions.api_aware_page_not_found"
handler500 = "lms.outage.server_error"  # a database outage outside a view is a 503 too

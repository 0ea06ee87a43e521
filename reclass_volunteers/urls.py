from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from reclass_volunteers import views, views_reminders
from reclass_volunteers.forms import EmailAuthenticationForm

auth_patterns = [
    path(
        "inloggen/",
        auth_views.LoginView.as_view(
            form_class=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "wachtwoord/wijzigen/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "wachtwoord/gewijzigd/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("wachtwoord/vergeten/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "wachtwoord/vergeten/verstuurd/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "wachtwoord/herstellen/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "wachtwoord/hersteld/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("uitnodiging/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("inloggen/tweestaps/", views.two_factor_verify, name="two_factor_verify"),
    path("inloggen/tweestaps/instellen/", views.two_factor_setup, name="two_factor_setup"),
]

urlpatterns = [
    path("", views.home, name="home"),
    *auth_patterns,
    path("meldingen/", views.notification_list, name="notification_list"),
    *views_reminders.urlpatterns,
    path("", include("reclass_volunteers.views_operations")),
    path("meldingen/<int:pk>/gelezen/", views.notification_read, name="notification_read"),
    path("meldingen/alles-gelezen/", views.notifications_read_all, name="notifications_read_all"),
    path("meldingen/herinneringen/", views.reminder_emails_set, name="reminder_emails_set"),
    path("beheer/gebruikers/", views.user_list, name="user_list"),
    path("beheer/gebruikers/uitnodigen/", views.user_invite, name="user_invite"),
    path("beheer/gebruikers/<int:pk>/actief/", views.user_set_active, name="user_set_active"),
    path(
        "beheer/uitnodigingen/<int:pk>/intrekken/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "beheer/gebruikers/<int:pk>/tweestaps-herstellen/",
        views.user_two_factor_reset,
        name="user_two_factor_reset",
    ),
    path("beheer/organisatie/", views.organisation_settings, name="organisation_settings"),
    path("beheer/auditlog/", views.audit_list, name="audit_list"),
    path("taal/", login_not_required(set_language), name="set_language"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path("health/", views.health, name="health"),
    path("vrijwilligers/", include("volunteers.urls")),
    path("clienten/", include("clients.urls")),
    path("koppelingen/", include("matching.urls")),
    path("begeleiding/", include("supervision.urls")),
    path("operations/", admin.site.urls),
]

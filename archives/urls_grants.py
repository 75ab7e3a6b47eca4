"""The security admin's grant pages, included at /archives/grants/ by config/urls.py."""

from django.urls import path

from archives import views_grants

app_name = "grants"

urlpatterns = [
    path("", views_grants.grant_list, name="list"),
    path("new/", views_grants.grant_new, name="new"),
    path("<int:pk>/withdraw/", views_grants.grant_withdraw, name="withdraw"),
    path("archive-lookup/", views_grants.archive_lookup, name="archive-lookup"),
]

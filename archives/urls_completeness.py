"""Pages of the completeness and fixity features (included under /archives/completeness/ by config/urls.py)."""

from django.urls import path

from archives import views_completeness as views

app_name = "completeness"

urlpatterns = [
    path("", views.incomplete_list, name="incomplete"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("archive/<int:pk>/", views.archive_report, name="archive"),
    path("archive/<int:pk>/card/", views.card, name="card"),
    path("archive/<int:pk>/recheck/", views.recheck, name="recheck"),
    path("archive/<int:pk>/excuse/", views.excuse, name="excuse"),
    path("excusals/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("fixity/", views.fixity, name="fixity"),
    path("fixity/<int:pk>/resolve/", views.resolve, name="resolve"),
]

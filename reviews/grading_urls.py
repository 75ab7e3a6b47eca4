"""Pages of new cadre archive grading, under /reviews/gradings/ (included from config/urls.py, namespace reviews)."""

from django.urls import path

from reviews import grading_views as views

urlpatterns = [
    path("gradings/", views.grading_list, name="grading-list"),
    path("gradings/new/", views.grading_new, name="grading-new"),
    path("gradings/report/", views.year_report, name="grading-report"),
    path("gradings/<int:pk>/", views.grading_detail, name="grading-detail"),
    path("gradings/<int:pk>/sheet.pdf", views.grading_sheet_pdf, name="grading-pdf"),
    path("gradings/<int:pk>/<slug:action>/", views.grading_action, name="grading-action"),
]

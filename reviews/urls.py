from django.urls import path

from reviews import grading_urls, views, views_falsification

app_name = "reviews"

urlpatterns = [
    *grading_urls.urlpatterns,  # /reviews/gradings/ (new cadre archive grading, reviews/grading_urls.py)
    path("", views.case_list, name="case-list"),
    path("new/", views.case_create, name="case-create"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/flags/<int:flag_id>/resolve/", views.flag_resolve, name="flag-resolve"),
    path("<int:pk>/materials/<int:material_id>/", views.material_view, name="material"),
    path("<int:pk>/determinations/new/", views.determination_create, name="determination-create"),
    path("<int:pk>/review-form.pdf", views.case_review_pdf, name="review-pdf"),
    path("<int:pk>/appointment-form.pdf", views.case_appointment_pdf, name="appointment-pdf"),
    path("<int:pk>/appointment-form.lrmx", views.case_lrmx, name="lrmx-export"),
    path(
        "<int:pk>/suspect-falsification/",
        views_falsification.suspect_falsification,
        name="suspect-falsification",
    ),
    path("<int:pk>/<slug:action>/", views.case_action, name="case-action"),
    path("posts/<int:post_id>/appointment-form.pdf", views.post_appointment_pdf, name="post-appointment-pdf"),
    path("determinations/", views.determination_list, name="determination-list"),
    path("determinations/<int:did>/", views.determination_detail, name="determination-detail"),
    path("statistics/", views.statistics_view, name="statistics"),
    path("statistics.xlsx", views.statistics_xlsx, name="statistics-xlsx"),
    path("lrmx/import/", views.lrmx_import, name="lrmx-import"),
]

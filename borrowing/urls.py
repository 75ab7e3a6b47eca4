"""Pages of viewing and borrowing, under /borrowing/ (config/urls.py)."""

from django.urls import path

from borrowing import views

app_name = "borrowing"

urlpatterns = [
    path("requests/", views.request_list, name="request-list"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request-edit"),
    path("requests/<int:pk>/subjects/<int:subject_pk>/scope/", views.subject_scope, name="subject-scope"),
    path("requests/<int:pk>/pdf/", views.request_pdf, name="request-pdf"),
    path("requests/<int:pk>/submit/", views.request_submit, name="request-submit"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("requests/<int:pk>/approve/", views.request_approve, name="request-approve"),
    path("requests/<int:pk>/reject/", views.request_reject, name="request-reject"),
    path("requests/<int:pk>/finish/", views.request_finish, name="request-finish"),
    path("requests/<int:pk>/checkout/", views.request_checkout, name="request-checkout"),
    path("requests/<int:pk>/copies/", views.copy_new, name="copy-new"),
    path("copies/<int:pk>/pdf/", views.copy_pdf, name="copy-pdf"),
    path("inbox/", views.inbox, name="inbox"),
    path("desk/", views.desk, name="desk"),
    path("checkouts/<int:pk>/return/", views.checkout_return, name="checkout-return"),
    path("mine/", views.my_access, name="my-access"),
    path(
        "mine/<int:pk>/archives/<int:archive_pk>/materials/<int:material_pk>/",
        views.my_material,
        name="my-material",
    ),
]

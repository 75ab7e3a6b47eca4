"""Pages of transfers (/borrowing/transfers/) and intakes (/borrowing/intakes/), included under /borrowing/."""

from django.urls import path

from borrowing.transfers import views, views_intake

app_name = "transfers"

urlpatterns = [
    path("transfers/", views.desk, name="desk"),
    path("transfers/new/", views.pick_archive, name="pick"),
    path("transfers/new/<int:archive_pk>/", views.transfer_new, name="new"),
    path("transfers/inbox/", views.inbox, name="inbox"),
    path("transfers/register/", views.register, name="register"),
    path("transfers/<int:pk>/", views.transfer_detail, name="detail"),
    path("transfers/<int:pk>/edit/", views.transfer_edit, name="edit"),
    path("transfers/<int:pk>/notice.pdf", views.transfer_notice_pdf, name="notice-pdf"),
    path("transfers/<int:pk>/receipt-scan/", views.transfer_receipt_scan, name="receipt-scan"),
    path("transfers/<int:pk>/<slug:action>/", views.transfer_action, name="action"),
    path("intakes/", views_intake.intake_desk, name="intake-desk"),
    path("intakes/new/", views_intake.intake_new, name="intake-new"),
    path("intakes/confirm/", views_intake.confirm_list, name="intake-confirm-list"),
    path("intakes/<int:pk>/", views_intake.intake_detail, name="intake-detail"),
    path("intakes/<int:pk>/edit/", views_intake.intake_edit, name="intake-edit"),
    path("intakes/<int:pk>/pdf/<slug:kind>/", views_intake.intake_pdf, name="intake-pdf"),
    path(
        "intakes/<int:pk>/alterations/<int:alteration_pk>/remove/",
        views_intake.alteration_remove,
        name="alteration-remove",
    ),
    path("intakes/<int:pk>/<slug:action>/", views_intake.intake_action, name="intake-action"),
]

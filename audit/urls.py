from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("events/<int:pk>/", views.event_detail, name="event-detail"),
    path("export/", views.export, name="export"),
    path("verify/", views.verify, name="verify"),
]

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("users/roles/", views.UserRolesListView.as_view(), name="user-roles"),
    path("users/<int:pk>/roles/", views.user_roles_edit, name="user-roles-edit"),
]

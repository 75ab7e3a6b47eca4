from django.urls import path

from archives import views_pages

app_name = "pages"

urlpatterns = [
    path("<int:pk>/image/", views_pages.page_image, name="image"),
    path("<int:pk>/thumb/", views_pages.page_thumbnail, name="thumb"),
]

from django.urls import path

app_name = "packages"
urlpatterns: list = []

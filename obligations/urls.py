from django.urls import path

from obligations import views

app_name = "feeds"

urlpatterns = [
    path("", views.my_calendar, name="mine"),
    # token_urlsafe() tokens are exactly the characters of a slug.
    path("<slug:token>.ics", views.calendar_feed, name="feed"),
]

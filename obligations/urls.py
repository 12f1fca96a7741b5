from django.urls import path

from obligations import calendar_views, views

app_name = "feeds"

urlpatterns = [
    path("", views.my_calendar, name="mine"),
    # token_urlsafe() tokens are exactly the characters of a slug.
    path("<slug:token>.ics", views.calendar_feed, name="feed"),
    # The deadline calendar inside the desk, and each deal's timeline.
    path("month/", calendar_views.month_view, name="month"),
    path("week/", calendar_views.week_view, name="week"),
    path("deal/<int:deal_id>/timeline/", calendar_views.deal_timeline, name="timeline"),
]

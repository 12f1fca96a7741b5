"""Screens of other apps, registered again with the desk's guards: users and groups, and the beat schedule.

Django's admin imports this module after theirs (INSTALLED_APPS order), so
these registrations replace the apps' own.
"""
from __future__ import annotations

from celery.schedules import ParseException, crontab
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.validators import ProhibitNullCharactersValidator
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from deals.admin import LookupSafeAdminMixin

# field: (one value of it, every value of it, the numbers it takes, a list of them)
CRONTAB_PARTS = {
    "minute": ("a minute", "every minute", "a number from 0 to 59", "0,30"),
    "hour": ("an hour", "every hour", "a number from 0 to 23", "8,20"),
    "day_of_month": ("a day of the month", "every day", "a number from 1 to 31", "1,15"),
    "month_of_year": ("a month", "every month", "a number from 1 to 12", "1,7"),
    "day_of_week": ("a day of the week", "every day", "a number from 0 (Sunday) to 6, or mon to sun", "1,3,5"),
}


class CrontabScheduleForm(forms.ModelForm):
    """Each part of the schedule is read the way celery beat will read it, and refused in words if it cannot be.

    The library checks the parts with another parser, and only once they are on
    the row; the page showing the refused form then has celery describe that row,
    and celery raises on a part it cannot read.
    """

    class Meta:
        model = CrontabSchedule
        fields = "__all__"

    def clean(self):
        data = super().clean()
        for name, (one, every, numbers, example) in CRONTAB_PARTS.items():
            value = data.get(name)
            if not value:
                continue
            try:
                crontab(**{name: value})
            except (ValueError, ParseException):
                self.add_error(name, f'The schedule cannot read "{value}" as {one}. Use {numbers}, "*" for {every}, '
                                     f"or a list, range or step such as {example}, 1-5 or */2.")
        return data


class PeriodicTaskForm(beat_admin.PeriodicTaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The registered-task list takes any name (the worker may know tasks this process does not),
        # NUL included, which PostgreSQL refuses to store.
        self.fields["regtask"].validators.append(ProhibitNullCharactersValidator())

    def clean(self):
        if "task" not in self.cleaned_data and not self.cleaned_data.get("regtask"):
            # The task field already shows what is wrong with it; the library's clean() fails on its absence.
            return forms.ModelForm.clean(self)
        return super().clean()


class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):
    form = CrontabScheduleForm


class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    form = PeriodicTaskForm


class DeskGroupAdmin(LookupSafeAdminMixin, GroupAdmin):
    pass


class DeskUserAdmin(LookupSafeAdminMixin, UserAdmin):
    pass


for model, model_admin in [(CrontabSchedule, CrontabScheduleAdmin), (PeriodicTask, PeriodicTaskAdmin),
                           (Group, DeskGroupAdmin), (User, DeskUserAdmin)]:
    admin.site.unregister(model)
    admin.site.register(model, model_admin)

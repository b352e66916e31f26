"""The admin site is django-otp's: staff must have passed a second factor to get in.

Kept in its own module: an apps.py that also imports AdminConfig would declare two defaults.
"""

from django.contrib.admin.apps import AdminConfig


class OTPAdminConfig(AdminConfig):
    default_site = "django_otp.admin.OTPAdminSite"

"""The placeholder account that deleted users' journal entries are re-pointed to.

Created here so that its name is taken from the start: nobody can register as
``deleted-user``. It is inactive and has no usable password, so nobody can log in as it.
"""

from django.contrib.auth.hashers import make_password
from django.db import migrations

USERNAME = "deleted-user"  # accounts.services.DELETED_USER


def create(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.get_or_create(
        username=USERNAME,
        defaults={"email": "", "is_active": False, "password": make_password(None)},
    )


def remove(apps, schema_editor):
    apps.get_model("accounts", "User").objects.filter(username=USERNAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_event_tags_recovery"),
    ]

    operations = [migrations.RunPython(create, remove)]

"""The switches' descriptions become the banner text visitors read while a switch is on and
notifies; a description staff have already changed is left alone."""

from django.db import migrations

OLD = {
    "read-only": "Read-only mode: every write is refused; uploads answer 403.",
    "disallow-new-upload": "Refuse every upload.",
    "disallow-new-project-registration": "Refuse uploads that would create a new project.",
    "disallow-new-user-registration": "Close the registration form.",
    "disallow-deletion": "Owners cannot delete projects, releases or files.",
    "disallow-oidc": "Turn trusted publishing off.",
}

NEW = {
    "read-only": (
        "This index is in read-only mode for maintenance: browsing, searching and installing "
        "work, but uploads and other changes are temporarily disabled."
    ),
    "disallow-new-upload": "Uploads are temporarily disabled.",
    "disallow-new-project-registration": "Registering new projects is temporarily disabled.",
    "disallow-new-user-registration": "New account registration is temporarily disabled.",
    "disallow-deletion": "Deleting projects, releases and files is temporarily disabled.",
    "disallow-oidc": "Trusted publishing is temporarily disabled; upload with an API token.",
}


def rewrite(apps, schema_editor, before=OLD, after=NEW):
    AdminFlag = apps.get_model("moderation", "AdminFlag")
    for flag_id, text in after.items():
        AdminFlag.objects.filter(id=flag_id, description=before[flag_id]).update(description=text)


def restore(apps, schema_editor):
    rewrite(apps, schema_editor, before=NEW, after=OLD)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_prohibited_users_domains_observers_reports")]
    operations = [migrations.RunPython(rewrite, restore)]

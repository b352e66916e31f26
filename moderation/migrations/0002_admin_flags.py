from django.db import migrations

FLAGS = {
    "read-only": "Read-only mode: every write is refused; uploads answer 403.",
    "disallow-new-upload": "Refuse every upload.",
    "disallow-new-project-registration": "Refuse uploads that would create a new project.",
    "disallow-new-user-registration": "Close the registration form.",
    "disallow-deletion": "Owners cannot delete projects, releases or files.",
    "disallow-oidc": "Turn trusted publishing off.",
}


def add_flags(apps, schema_editor):
    AdminFlag = apps.get_model("moderation", "AdminFlag")
    for flag_id, description in FLAGS.items():
        AdminFlag.objects.get_or_create(id=flag_id, defaults={"description": description})


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]
    operations = [migrations.RunPython(add_flags, migrations.RunPython.noop)]

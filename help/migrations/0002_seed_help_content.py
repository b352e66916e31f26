"""Seed the Help page from help/content.py: insert every section and question not there yet.

It only inserts, so running it on a database whose rows staff have edited changes nothing.
Later releases add questions and update unchanged texts in migrations of their own
(docs/help.md, "Adding and changing questions").
"""

from django.db import migrations

from help import seeding


def seed(apps, schema_editor):
    seeding.insert(apps)


class Migration(migrations.Migration):
    dependencies = [("help", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

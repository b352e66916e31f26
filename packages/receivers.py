"""What packages does when an account is deleted: its journal entries stay, credited to the
placeholder account ``deleted-user`` (as on the public index).

A receiver rather than a service step: accounts must not know about the journal (it is
packages'), and every way of deleting a user (the account page, the admin, a shell) must keep
the changelog's attribution. It runs inside the deletion's transaction, before the journal's
``SET_NULL`` would clear the entries.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts import services as account_services
from accounts.models import User

from .models import JournalEntry


@receiver(pre_delete, sender=User, dispatch_uid="packages.journal_to_deleted_user")
def journal_to_deleted_user(sender: type[User], instance: User, **kwargs: Any) -> None:
    entries = JournalEntry.objects.filter(submitted_by=instance)
    if instance.username != account_services.DELETED_USER and entries.exists():
        entries.update(submitted_by=account_services.deleted_user())

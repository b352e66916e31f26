"""Signal receivers, connected in ``ModerationConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import banners
from .models import AdminFlag


@receiver(post_save, sender=AdminFlag)
@receiver(post_delete, sender=AdminFlag)
def switch_changed(sender: type[AdminFlag], **kwargs: Any) -> None:
    """A switch changed: pages show its banner (or stop showing it) from the next request.

    Forgotten now and again on commit: a page rendered between the two could have kept the
    switch's previous state.
    """
    banners.forget()
    transaction.on_commit(banners.forget)

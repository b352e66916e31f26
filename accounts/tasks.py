"""The accounts app's Celery tasks, for the worker to find: Celery's ``autodiscover_tasks``
imports each app's ``tasks`` module. Each task lives with the code it runs and is imported
from here only.

Imports inside accounts point one way, so no module needs a function-local import:
``tasks`` → ``disclosure`` → ``services`` → ``mail`` → ``events`` → ``models``. Nothing in the
app imports ``tasks``; whoever queues mail calls ``mail.send_later``.
"""

from __future__ import annotations

from .disclosure import revoke_leaked_token_task
from .mail import send_email

__all__ = ["revoke_leaked_token_task", "send_email"]

"""The transactional outbox: after-commit work kept in the database until it is done.

``delivery`` is the whole mechanism (its docstring tells how), ``registry`` the kinds of work,
``background`` the thread that runs purges off the request without a broker, ``tasks`` the
Celery tasks, ``management/commands/drain_outbox.py`` the operator's command.
"""

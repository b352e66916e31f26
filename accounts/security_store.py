"""The one store of security state that every worker process and every node shares.

Rate limits and lockouts (allauth's limits, ``accounts.ratelimit``), and what the leaked-token
endpoint remembers about reporters' keys, live in the ``security`` cache alias
(``SECURITY_CACHE_URL``), never in a worker's own memory: with the per-process default cache,
each of N workers would count its own attempts and a limit of 10 would let 10 times N through.

By default the alias is the database (``SecurityDatabaseCache``, a table created by every
``migrate``), which every node already shares; a Redis URL works as well. Settings refuse a
per-process or per-machine backend for it. See docs/operations.md, "Security state".
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connections, models, router, transaction
from django.utils.connection import ConnectionProxy
from django.utils.timezone import now as tz_now

ALIAS = "security"

# Like ``django.core.cache.cache``: the calling thread's connection to the alias.
store: Any = ConnectionProxy(caches, ALIAS)


class SecurityDatabaseCache(DatabaseCache):
    """Django's database cache, made fit for counters that must hold.

    - ``incr`` is one locked read-modify-write that keeps the entry's expiry (Django's own is
      a ``get`` then a ``set`` with the default timeout: two workers could both read 3 and
      write 4, and an hour-long window would end after five minutes);
    - culling only ever deletes expired entries: a live counter is never forgotten to make
      room (``MAX_ENTRIES`` is only how full the table gets before expired rows go).
    """

    _table: str  # set by DatabaseCache.__init__

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        # On SQLite the transaction itself takes the write lock (BEGIN IMMEDIATE).
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} "  # noqa: S608
                f"WHERE {quote('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is not None:
                expires = row[1]
                for converter in converters:
                    expires = converter(expires, expression, connection)
            if row is None or expires < tz_now():
                raise ValueError(f"Key '{key}' not found.")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))  # noqa: S301 - written by this class
            value += delta
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s "  # noqa: S608
                f"WHERE {quote('cache_key')} = %s",
                [pickled, key],
            )
        return value

    def _cull(self, db: str, cursor: Any, now: Any, num: int) -> None:
        connection = connections[db]
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(self._table)} "  # noqa: S608
            f"WHERE {connection.ops.quote_name('expires')} < %s",
            [connection.ops.adapt_datetimefield_value(now)],
        )


def use_for_allauth() -> None:
    """Make allauth's rate limits (login, failed logins, sign-ups, password resets…) count in
    the shared store: allauth reads the default cache, which is each worker's own."""
    if not hasattr(allauth_ratelimit, "cache"):
        raise ImproperlyConfigured(
            "allauth.core.internal.ratelimit no longer reads a module-level cache: its rate "
            "limits would not be shared by the workers (accounts/security_store.py)."
        )
    allauth_ratelimit.cache = store


def create_table(using: str = "default", verbosity: int = 1, **kwargs: Any) -> None:
    """``post_migrate``: the database caches' tables, so that ``migrate`` is all a new or
    upgraded site needs (``createcachetable`` leaves existing tables alone)."""
    call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))

"""One upload, end to end: the ordered checks of docs/upload.md (from check 4)
inside one transaction. Objects written to storage are removed again if the transaction fails,
so a refused upload leaves no project, release, file row or stored object behind; once it has
committed, nothing removes them (what runs after the commit cannot undo it), and the upload
answers 200.

The description (check 14) is rendered before the transaction opens: rendering may take
seconds, and a transaction holds locks (on SQLite, the database's one write lock).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from packaging.metadata import Metadata

from accounts import readiness
from accounts.identity import Identity
from accounts.models import User
from help.links import help_url

from ..description import Rendered
from ..models import Project, Release
from ..permissions import upload_denial
from ..services import journal
from ..services.events import Actor
from ..services.projects import create_project
from ..services.refusals import Refused
from ..services.releases import create_release
from ..storage import StoredObjects
from . import files, publishing
from .errors import UploadError, bad_request, forbidden
from .form import check_protocol_version, parse_upload_form
from .handlers import ReceivedDistribution
from .metadata import parse_metadata, render_release_description

logger = logging.getLogger(__name__)


def ensure_can_publish(user: User) -> None:
    """A verified primary e-mail and 2FA, or 403 with the reason (checks 8b, 8c and 10)."""
    if not readiness.has_verified_primary_email(user):
        raise forbidden(
            _(
                "User '{user}', associated with the API token used, does not have a verified "
                "primary email address. Please add a verified primary email before attempting "
                "to upload. See {url} for more information."
            ).format(user=user.username, url=help_url("verified-email"))
        )
    if not readiness.has_two_factor(user):
        raise forbidden(
            _(
                "User '{user}', associated with the API token used, does not have two-factor "
                "authentication enabled. Please enable two-factor authentication before "
                "attempting to upload. See {url} for more information."
            ).format(user=user.username, url=help_url("two-factor-authentication"))
        )


def upload(
    fields: MultiValueDict,
    content: ReceivedDistribution | None,
    *,
    identity: Identity,
    actor: Actor,
) -> None:
    """Accept one distribution file, or raise ``UploadError`` saying why not.

    Returns normally both for a stored file and for an identical re-upload (which changes
    nothing), as twine's ``--skip-existing`` expects.
    """
    check_protocol_version(fields)  # 4
    form = parse_upload_form(fields)  # 5
    meta = parse_metadata(fields)  # 6
    if content is None:  # 7
        raise bad_request(_("Upload payload does not have a file."))
    # 14, outside the transaction: only an upload that creates the release needs the rendering.
    description = None if _release_exists(meta) else _render(meta)
    try:
        _upload_once(form, meta, description, content, identity, actor)
    except _ReleaseGone:
        # The release was deleted after the look-up: render, still outside, and start again.
        _upload_once(form, meta, _render(meta), content, identity, actor)


class _ReleaseGone(Exception):
    """The release existed before the transaction and is gone in it: the rendering is missing."""


def _release_exists(meta: Metadata) -> bool:
    project = Project.objects.find_by_name(meta.name)
    return project is not None and project.releases.find_by_version(str(meta.version)) is not None


def _render(meta: Metadata) -> Rendered | UploadError:
    """The rendered description, or the refusal check 14 gives if the upload creates a release."""
    try:
        return render_release_description(meta)
    except UploadError as refusal:
        return refusal


def _upload_once(form, meta, description, content, identity, actor) -> None:
    stored = StoredObjects()
    committed = Committed()
    try:
        with transaction.atomic(), journal.deferred():
            # Registered first, so it runs first: on_commit callbacks run inside the block's
            # exit, and what raises there comes after the file's row has committed.
            transaction.on_commit(committed.mark)
            if not _upload_in_transaction(
                form, meta, description, content, identity, actor, stored
            ):
                transaction.set_rollback(True)
    except Exception:
        if not committed:
            stored.remove_all()
            raise
        # The file is stored and its row committed: the upload succeeded, whatever failed
        # after (the after-commit work is in the outbox and gets done later).
        logger.exception("Upload of %s committed; a step after the commit failed", meta.name)
    except BaseException:
        if not committed:
            stored.remove_all()
        raise


class Committed:
    """Whether the transaction committed, set by an ``on_commit`` callback."""

    def __init__(self) -> None:
        self.done = False

    def mark(self) -> None:
        self.done = True

    def __bool__(self) -> bool:
        return self.done


def _project_for(meta: Metadata, identity: Identity, actor: Actor) -> Project:
    project = Project.objects.select_for_update().find_by_name(meta.name)
    if project is not None:
        return project
    if identity.user is None:  # 8a: a trusted publisher creates a project only when pending
        raise bad_request(
            _(
                "Non-user identities cannot create new projects. This was probably caused by "
                "successfully using a pending publisher but specifying the project name "
                "incorrectly (either in the publisher or in your project's metadata). Please "
                "ensure that both match. See {url} for more information."
            ).format(url=help_url("trusted-publishers"))
        )
    ensure_can_publish(identity.user)
    try:
        return create_project(meta.name, actor=actor)
    except Refused as refused:
        raise UploadError(refused.status, refused.message) from None


def _release_for(
    project: Project, meta: Metadata, description: Rendered | UploadError | None, actor: Actor
) -> Release:
    release = project.releases.find_by_version(str(meta.version))  # 16
    if release is not None:
        return release
    if description is None:
        raise _ReleaseGone
    if isinstance(description, UploadError):  # 14
        raise description
    return create_release(project, meta, description, actor=actor)  # 16


def _upload_in_transaction(form, meta, description, content, identity, actor, stored) -> bool:
    """Run checks 8-46; False means "identical file already there, change nothing"."""
    project = _project_for(meta, identity, actor)  # 8
    denial = upload_denial(identity, project)  # 9
    if denial:
        raise forbidden(denial)
    if identity.user is not None:  # 10 (a trusted publisher has no account to check)
        ensure_can_publish(identity.user)
    if project.name != meta.name:  # 13
        project.name = meta.name
        project.save(update_fields=["name"])
    release = _release_for(project, meta, description, actor)  # 14, 16
    file = files.accept(project, release, meta, form, content, stored, actor)  # 17-44
    if file is None:
        return False
    publishing.record(file, identity, project, form.attestations)  # 45
    return True

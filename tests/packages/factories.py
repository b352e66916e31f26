from __future__ import annotations

import hashlib

import factory
from packaging.utils import canonicalize_version
from packaging.version import Version

from packages.models import File, FilenameRegistry, Project, Release, Role, RoleName
from packages.names import normalize_name, ultranormalize_name
from packages.storage import file_path
from packages.versions import sort_key
from tests.accounts.factories import UserFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"project-{n}")
    normalized_name = factory.LazyAttribute(lambda p: normalize_name(p.name))
    ultranormalized_name = factory.LazyAttribute(lambda p: ultranormalize_name(p.name))


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    project = factory.SubFactory(ProjectFactory)
    version = factory.Sequence(lambda n: f"1.{n}")
    canonical_version = factory.LazyAttribute(lambda r: canonicalize_version(r.version))
    sort_key = factory.LazyAttribute(lambda r: sort_key(Version(r.version)))
    is_prerelease = factory.LazyAttribute(lambda r: Version(r.version).is_prerelease)
    metadata_version = "2.1"
    summary = "A release for tests"


def _digest(name: str, algo: str) -> str:
    h = hashlib.blake2b(digest_size=32) if algo == "blake2" else hashlib.new(algo)
    h.update(name.encode())
    return h.hexdigest()


class FileFactory(factory.django.DjangoModelFactory):
    """A file row whose digests derive from its name (no bytes are stored)."""

    class Meta:
        model = File
        skip_postgeneration_save = True

    release = factory.SubFactory(ReleaseFactory)
    filename = factory.LazyAttribute(
        lambda f: (
            f"{f.release.project.normalized_name.replace('-', '_')}-{f.release.version}"
            f"-py3-none-any.whl"
        )
    )
    packagetype = "bdist_wheel"
    python_version = "py3"
    size = 1024
    md5_digest = factory.LazyAttribute(lambda f: _digest(f.filename, "md5"))
    sha256_digest = factory.LazyAttribute(lambda f: _digest(f.filename, "sha256"))
    blake2_256_digest = factory.LazyAttribute(lambda f: _digest(f.filename, "blake2"))
    path = factory.LazyAttribute(lambda f: file_path(f.blake2_256_digest, f.filename))

    @factory.post_generation
    def registered(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            FilenameRegistry.objects.get_or_create(filename=self.filename)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    role_name = RoleName.OWNER

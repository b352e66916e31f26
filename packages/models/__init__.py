from .classifier import Classifier
from .events import ProjectEvent, ProjectEventTag
from .file import File, FilenameRegistry, PackageType, Provenance
from .journal import JournalEntry
from .project import LifecycleStatus, Project
from .publishers import (
    PENDING_PUBLISHER_DAYS,
    PendingPublisher,
    Provider,
    PublisherConfig,
    TrustedPublisher,
    UsedJti,
)
from .release import Dependency, DependencyKind, Description, Release, ReleaseURL
from .roles import InviteStatus, Role, RoleInvitation, RoleName
from .search import SearchDocument

__all__ = [
    "PENDING_PUBLISHER_DAYS",
    "Classifier",
    "Dependency",
    "DependencyKind",
    "Description",
    "File",
    "FilenameRegistry",
    "InviteStatus",
    "JournalEntry",
    "LifecycleStatus",
    "PackageType",
    "PendingPublisher",
    "Project",
    "ProjectEvent",
    "ProjectEventTag",
    "Provenance",
    "Provider",
    "PublisherConfig",
    "Release",
    "ReleaseURL",
    "Role",
    "RoleInvitation",
    "RoleName",
    "SearchDocument",
    "TrustedPublisher",
    "UsedJti",
]

from .classifier import Classifier
from .events import ProjectEvent, ProjectEventTag
from .file import File, FilenameRegistry, PackageType
from .journal import JournalEntry
from .project import LifecycleStatus, Project
from .release import Dependency, DependencyKind, Description, Release, ReleaseURL
from .roles import InviteStatus, Role, RoleInvitation, RoleName
from .search import SearchDocument

__all__ = [
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
    "Project",
    "ProjectEvent",
    "ProjectEventTag",
    "Release",
    "ReleaseURL",
    "Role",
    "RoleInvitation",
    "RoleName",
    "SearchDocument",
]

"""Property-based fuzzing of the upload endpoint: whatever an authenticated client sends as
the form, the answer is 200 or a 4xx that says why, never a server error, and a refused upload
leaves nothing behind."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packages.models import File, JournalEntry, Project, ProjectEvent, Release
from tests import uploads

pytestmark = pytest.mark.django_db

# Text a multipart form can carry (no NUL: the parser drops such fields before any check).
text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60
)
digits = st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n)
versions = st.one_of(
    st.sampled_from(["1.0", "1.0.post1", "2!1.0", "1.0+local", "01.00", "1.0rc1", ""]),
    digits,
    text,
)
specifiers = st.one_of(
    st.sampled_from([">=3.8", "<4,>=3", "==1.*", "~=3.10", ">=3." + "9" * 5000, "!!", ""]),
    text,
)
METADATA_FIELDS = {
    "summary": text,
    "description": text,
    "description_content_type": st.one_of(
        st.sampled_from(["text/markdown", "text/x-rst", "text/plain; charset=x", "a/b; c"]), text
    ),
    "keywords": text,
    "author_email": st.one_of(st.sampled_from(["a@example.com", "<@>", "A <a@b>"]), text),
    "license_expression": st.one_of(st.sampled_from(["MIT", "MIT AND (", "LicenseRef-x"]), text),
    "requires_python": specifiers,
    "requires_dist": st.one_of(st.sampled_from(["requests>=2", "x; python_version<'3'"]), text),
    "classifier": st.one_of(st.sampled_from(["Topic :: Utilities", "Private :: X"]), text),
    "project_urls": st.one_of(st.sampled_from(["Home, https://example.com", "x,"]), text),
    "home_page": text,
    "dynamic": text,
    "provides_extra": text,
    "metadata_version": st.sampled_from(["1.0", "2.1", "2.4", "2.5", "3.0", ""]),
    "filetype": st.sampled_from(["bdist_wheel", "sdist", "bdist_egg", ""]),
    "pyversion": st.sampled_from(["py3", "source", "cp311", ""]),
    "protocol_version": st.sampled_from(["1", "2", ""]),
    "sha256_digest": st.sampled_from(["", "0" * 64, "zz"]),
}

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    version=versions,
    fields=st.dictionaries(st.sampled_from(sorted(METADATA_FIELDS)), st.none(), max_size=6).flatmap(
        lambda chosen: st.fixed_dictionaries({k: METADATA_FIELDS[k] for k in chosen})
    ),
    kind=st.sampled_from(["wheel", "sdist", "bytes"]),
    junk=st.binary(max_size=200),
)
def test_any_upload_form_is_answered_with_a_reason(client, token, version, fields, kind, junk):
    if kind == "wheel":
        upload = uploads.wheel_upload("fuzzed", "1.0")
    elif kind == "sdist":
        upload = uploads.sdist_upload("fuzzed", "1.0")
    else:
        upload = uploads.for_file("fuzzed-1.0.tar.gz", junk, name="fuzzed", version="1.0")
    upload.set("version", version)
    for key, value in fields.items():
        upload.set(key, value)

    before = _counts()

    response = upload.post(client, token)

    assert response.status_code == 200 or 400 <= response.status_code < 500
    if response.status_code != 200:
        assert response.content.strip(), "a refusal says why"
        assert _counts() == before, "a refused upload leaves nothing behind"


def _counts() -> tuple[int, ...]:
    """Rows every accepted upload may add to (examples share one database)."""
    return tuple(
        model.objects.count() for model in (Project, Release, File, JournalEntry, ProjectEvent)
    )

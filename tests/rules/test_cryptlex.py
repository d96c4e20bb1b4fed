"""Cryptlex's rule book (``rules/cryptlex.py``): versions, release fields, upload sources, publication."""

from __future__ import annotations

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.rules.cryptlex import (
    VERSION,
    is_published,
    release_fields,
    release_version,
    upload_source,
)

# Publication


@pytest.mark.parametrize(
    ("release", "published"),
    [
        ({"published": True}, True),
        ({"published": False}, False),
        ({"published": False, "publishedAt": "2026-05-01T12:00:00Z"}, False),  # the boolean decides
        ({"published": True, "publishedAt": None}, True),
        ({"publishedAt": "2026-05-01T12:00:00Z"}, True),  # no boolean: a non-empty publishedAt
        ({"published": None, "publishedAt": "2026-05-01T12:00:00Z"}, True),
        ({"publishedAt": ""}, False),
        ({"publishedAt": None}, False),
        ({"published": "yes"}, False),  # not a boolean, and no publishedAt
    ],
)
def test_is_published_reads_the_boolean_first_then_published_at(release, published):
    assert is_published(release) is published


def test_is_published_is_none_when_the_record_cannot_tell():
    assert is_published({}) is None
    assert is_published({"id": "rel-1", "version": "1.0.0"}) is None


# Versions


@pytest.mark.parametrize("version", ["1.0", "1.4.2", "1.4.2.7", "10.20.30"])
def test_release_version_takes_two_to_four_numbers(version):
    assert release_version("version", version) == version


@pytest.mark.parametrize(
    "version",
    ["\uff11.\uff12", "\u0661.\u0662", "1", "1.4.2-beta", "v1.4", "1.2.3.4.5", "1..2", " 1.2", 1.2, None],
)
def test_release_version_refuses_other_forms_and_non_ascii_digits(version):
    with pytest.raises(InvalidParameterError) as caught:
        release_version("version", version)
    assert (caught.value.param, caught.value.value) == ("version", version)
    assert str(caught.value).endswith(
        "expected a version 'x.x', 'x.x.x' or 'x.x.x.x' of digits, such as '1.4.2'."
    )


def test_version_pattern_is_ascii_digits_only():
    assert VERSION.fullmatch("1.2") is not None
    assert VERSION.fullmatch("\uff11.\uff12") is None  # fullwidth digits are \d, not [0-9]


# Release fields


def test_release_fields_drop_nones_and_check_each_field():
    assert release_fields({"name": "Spring", "version": "1.4", "notes": "", "channel": None}) == {
        "name": "Spring",
        "version": "1.4",
        "notes": "",
    }
    with pytest.raises(InvalidParameterError) as caught:
        release_fields({"channel": "x" * 257})
    assert caught.value.param == "channel"
    with pytest.raises(InvalidParameterError) as caught:
        release_fields({"colour": "red"})
    assert caught.value.param == "fields"


# Upload sources


def test_upload_source_defaults_the_name_to_the_local_files(tmp_path):
    artifact = tmp_path / "app-2.1.zip"
    artifact.write_bytes(b"PK")
    assert upload_source(artifact) == (str(artifact), "app-2.1.zip")
    assert upload_source(str(artifact), "setup_2.1.exe") == (str(artifact), "setup_2.1.exe")


@pytest.mark.parametrize("kind", ["missing", "directory", "not a path"])
def test_upload_source_refuses_a_path_that_is_no_readable_file(tmp_path, kind):
    path = {"missing": tmp_path / "no-such.zip", "directory": tmp_path, "not a path": 42}[kind]
    with pytest.raises(InvalidParameterError) as caught:
        upload_source(path)
    assert (caught.value.param, caught.value.value) == ("path", path)
    assert "expected the path of a readable file" in str(caught.value)


@pytest.mark.parametrize("stored_name", ["my app.zip", "..", "a/b.zip", ""])
def test_upload_source_refuses_a_bad_name_naming_file_name(tmp_path, stored_name):
    artifact = tmp_path / "app.zip"
    artifact.write_bytes(b"PK")
    with pytest.raises(InvalidParameterError) as caught:
        upload_source(artifact, stored_name)
    assert (caught.value.param, caught.value.value) == ("file_name", stored_name)
    assert "expected a file name of letters, digits, '.', '-' and '_'" in str(caught.value)


def test_upload_source_refuses_a_local_file_whose_own_name_is_bad(tmp_path):
    artifact = tmp_path / "my app.zip"
    artifact.write_bytes(b"PK")
    with pytest.raises(InvalidParameterError) as caught:
        upload_source(artifact)
    assert (caught.value.param, caught.value.value) == ("file_name", "my app.zip")

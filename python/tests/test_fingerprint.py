"""Raw data fingerprints: an unchanged or append-only folder is the same dataset; a changed, replaced
or removed file is another one. Big files are hashed on a head + tail + size sample."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from csops.fingerprint import RawDataError, compare, dataset_fingerprint, fingerprint_file, fingerprint_folder

pytestmark = pytest.mark.unit


@pytest.fixture
def raw(tmp_path) -> Path:
    folder = tmp_path / "raw"
    for relative, content in {"crm/accounts.parquet": b"accounts v1", "product/events.parquet": b"events 1-100",
                              "_manifest.json": b"{}"}.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(content)
    return folder


def test_the_same_folder_elsewhere_is_the_same_dataset(raw, tmp_path):
    copy = tmp_path / "moved"
    shutil.copytree(raw, copy)
    before, after = fingerprint_folder(raw), fingerprint_folder(copy)
    assert [f.path for f in before] == ["_manifest.json", "crm/accounts.parquet", "product/events.parquet"]
    assert dataset_fingerprint(before) == dataset_fingerprint(after)
    assert compare(before, after).same_dataset


def test_an_appended_file_continues_the_dataset(raw):
    before = fingerprint_folder(raw)
    (raw / "product" / "events_2026-11-02.parquet").write_bytes(b"events 101-150")
    diff = compare(before, fingerprint_folder(raw))
    assert diff.same_dataset and diff.added == ["product/events_2026-11-02.parquet"]


def test_a_changed_or_removed_file_is_another_dataset(raw):
    before = fingerprint_folder(raw)
    (raw / "crm" / "accounts.parquet").write_bytes(b"accounts v2")  # same size, other bytes
    (raw / "product" / "events.parquet").unlink()
    diff = compare(before, fingerprint_folder(raw))
    assert not diff.same_dataset
    assert diff.changed == ["crm/accounts.parquet"] and diff.missing == ["product/events.parquet"]
    assert diff.describe() == "crm/accounts.parquet changed, product/events.parquet missing"


def test_hidden_files_do_not_count(raw):
    before = fingerprint_folder(raw)
    (raw / ".DS_Store").write_bytes(b"x")
    (raw / ".csops-generate-tmp").mkdir()
    (raw / ".csops-generate-tmp" / "half-written.parquet").write_bytes(b"x")
    assert fingerprint_folder(raw) == before


def test_a_big_file_is_hashed_on_its_head_tail_and_size(tmp_path):
    path = tmp_path / "big.parquet"
    data = bytearray(b"h" * 100 + b"m" * 100 + b"t" * 100)
    path.write_bytes(data)

    def sample() -> str:
        f = fingerprint_file(path, "big.parquet", full_hash_max_bytes=200, sample_bytes=50)
        assert f.is_sampled and f.size_bytes == 300
        return f.sha256

    original = sample()
    for where in (0, 299):  # head, tail (a Parquet footer)
        data[where] ^= 1
        path.write_bytes(data)
        assert sample() != original
        data[where] ^= 1
    data[150] ^= 1  # the middle of a big file is not read: documented
    path.write_bytes(data)
    assert sample() == original
    assert not fingerprint_file(path, "big.parquet").is_sampled  # 300 bytes: hashed in full by default


def test_a_missing_or_empty_folder_is_one_clear_error(tmp_path):
    with pytest.raises(RawDataError, match=f"no raw data folder at {tmp_path / 'nope'} \\(CSOPS_RAW_DIR\\)"):
        fingerprint_folder(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RawDataError, match="has no files"):
        fingerprint_folder(tmp_path / "empty")

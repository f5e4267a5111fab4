"""Fingerprints of a raw data folder: which dataset a warehouse was built from.

Every file under the folder (hidden files and folders, whose names start with a dot, are skipped)
gets its relative path, its size and a SHA-256 of its bytes. A file larger than
`FULL_HASH_MAX_BYTES` is hashed on a bounded sample instead: its size, its first and its last
`SAMPLE_BYTES` bytes. For Parquet the tail is the footer (schema, row groups, their offsets and
statistics), so a rewritten file changes its sample too; a change that keeps the size, the head
and the tail of a big file is not seen.

Two folders hold the same dataset, for an incremental build, when every file recorded last time is
still there with the same fingerprint: an append-only folder (later sync files added, earlier
files untouched) continues; a changed, replaced or removed file is another dataset.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import CsopsError

FULL_HASH_MAX_BYTES = 256 * 1024 * 1024
SAMPLE_BYTES = 8 * 1024 * 1024
_CHUNK = 1024 * 1024


class RawDataError(CsopsError):
    """The raw data folder is missing, empty or unreadable; said in one line."""


@dataclass(frozen=True)
class FileFingerprint:
    path: str  # relative to the raw folder, with '/' separators
    size_bytes: int
    sha256: str  # of the whole file, or of its sample when is_sampled
    is_sampled: bool


@dataclass(frozen=True)
class DatasetComparison:
    changed: list[str]
    missing: list[str]
    added: list[str]

    @property
    def same_dataset(self) -> bool:
        return not self.changed and not self.missing

    def describe(self, limit: int = 3) -> str:
        """'product/events.parquet changed, crm/users.parquet missing (+2 more)'."""
        items = [f"{p} changed" for p in self.changed] + [f"{p} missing" for p in self.missing]
        text = ", ".join(items[:limit])
        return text + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def fingerprint_file(path: Path, relative: str, full_hash_max_bytes: int = FULL_HASH_MAX_BYTES,
                     sample_bytes: int = SAMPLE_BYTES) -> FileFingerprint:
    size = path.stat().st_size
    digest = hashlib.sha256()
    with path.open("rb") as f:
        if size <= full_hash_max_bytes:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
            return FileFingerprint(relative, size, digest.hexdigest(), is_sampled=False)
        digest.update(str(size).encode())
        digest.update(f.read(sample_bytes))
        f.seek(size - sample_bytes)
        digest.update(f.read(sample_bytes))
    return FileFingerprint(relative, size, digest.hexdigest(), is_sampled=True)


def _data_files(folder: Path) -> Iterable[tuple[Path, str]]:
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                path = Path(root) / name
                yield path, path.relative_to(folder).as_posix()


def fingerprint_folder(folder: Path, full_hash_max_bytes: int = FULL_HASH_MAX_BYTES,
                       sample_bytes: int = SAMPLE_BYTES) -> list[FileFingerprint]:
    """Every data file's fingerprint, sorted by path; RawDataError when the folder is missing or empty."""
    if not folder.is_dir():
        raise RawDataError(f"no raw data folder at {folder} (CSOPS_RAW_DIR); point it at your exports "
                           f"(<dir>/<system>/<table>.parquet) or run make build for the demo")
    found = []
    for path, relative in _data_files(folder):
        try:
            found.append(fingerprint_file(path, relative, full_hash_max_bytes, sample_bytes))
        except OSError as e:
            raise RawDataError(f"cannot read the raw file {path}: {e.strerror or e}") from e
    if not found:
        raise RawDataError(f"the raw data folder {folder} (CSOPS_RAW_DIR) has no files")
    return found


def dataset_fingerprint(files: Iterable[FileFingerprint]) -> str:
    """One SHA-256 over every file's path, size and hash: equal exactly when the folders are equal."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.path):
        digest.update(f"{f.path}\t{f.size_bytes}\t{f.sha256}\n".encode())
    return digest.hexdigest()


def compare(recorded: Iterable[FileFingerprint], current: Iterable[FileFingerprint]) -> DatasetComparison:
    """How the current folder differs from the one recorded at the last build."""
    before = {f.path: f for f in recorded}
    now = {f.path: f for f in current}
    changed = sorted(p for p in before.keys() & now.keys()
                     if (before[p].size_bytes, before[p].sha256) != (now[p].size_bytes, now[p].sha256))
    return DatasetComparison(changed=changed, missing=sorted(before.keys() - now.keys()),
                             added=sorted(now.keys() - before.keys()))

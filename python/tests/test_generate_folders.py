"""`csops generate` writes only into folders it created: an existing, non-empty folder without the
`_manifest.json` csops generate writes is refused (one line, exit 2, nothing touched) unless --force.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from csops.generator import GenerateError, generate

pytestmark = pytest.mark.unit


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "csops.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def exports(tmp_path) -> Path:
    """A user's raw exports: the layout csops reads, but not written by csops generate."""
    folder = tmp_path / "exports"
    (folder / "crm").mkdir(parents=True)
    (folder / "crm" / "accounts.parquet").write_bytes(b"the user's real accounts")
    (folder / "notes.txt").write_text("keep me\n")
    return folder


def test_a_folder_csops_did_not_create_is_refused_and_left_alone(exports, tmp_path):
    before = digests(exports)
    r = run_cli("generate", "--scale", "tiny", "--out", str(exports), "--truth-out", str(tmp_path / "truth"),
                "--quiet")
    assert r.returncode == 2
    assert r.stderr.startswith("csops generate: error: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert str(exports) in r.stderr and "--force" in r.stderr
    assert digests(exports) == before
    assert not (tmp_path / "truth").exists()


def test_force_writes_into_a_foreign_folder(exports, tmp_path):
    r = run_cli("generate", "--scale", "tiny", "--out", str(exports), "--truth-out", str(tmp_path / "truth"),
                "--quiet", "--force")
    assert r.returncode == 0, r.stderr
    manifest = json.loads((exports / "_manifest.json").read_text())
    assert manifest["written_by"] == "csops generate"
    assert next((exports / "crm" / "accounts").glob("loaded_date=*/part-0.parquet")).read_bytes()[:4] == b"PAR1"


def test_its_own_folder_is_regenerated_without_force(tmp_path):
    generate("tiny", 1, tmp_path / "raw", tmp_path / "truth")
    generate("tiny", 2, tmp_path / "raw", tmp_path / "truth")  # no error: both folders carry its manifest
    assert json.loads((tmp_path / "raw" / "_manifest.json").read_text())["seed"] == 2
    assert json.loads((tmp_path / "truth" / "_manifest.json").read_text())["seed"] == 2


def test_an_empty_existing_folder_is_fine(tmp_path):
    (tmp_path / "raw").mkdir()
    generate("tiny", 1, tmp_path / "raw", tmp_path / "truth")
    assert (tmp_path / "raw" / "_manifest.json").is_file()


def test_a_foreign_truth_folder_is_refused(tmp_path):
    truth = tmp_path / "truth"
    truth.mkdir()
    (truth / "customers.parquet").write_bytes(b"someone else's")
    with pytest.raises(GenerateError, match=f"the truth folder {truth} is not empty"):
        generate("tiny", 1, tmp_path / "raw", truth)
    assert not (tmp_path / "raw").exists()

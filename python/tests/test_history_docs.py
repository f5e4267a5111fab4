"""Each history model is documented as its current-state model: the same columns, in the same order,
with the same descriptions and personal-data tags, plus valid_from, valid_to and is_current."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

STAGING = Path(__file__).resolve().parents[2] / "models" / "staging"
VALIDITY = ["valid_from", "valid_to", "is_current"]


def documented_models() -> dict[str, dict]:
    models = {}
    for path in sorted(STAGING.glob("*/_*__models.yml")):
        for model in yaml.safe_load(path.read_text())["models"]:
            models[model["name"]] = model
    return models


def test_every_history_model_is_documented_as_its_current_model():
    models = documented_models()
    histories = sorted(name for name in models if name.endswith("_history"))
    assert len(histories) == 10
    for name in histories:
        current = models[name.removesuffix("_history")]
        columns = {c["name"]: c for c in models[name]["columns"]}
        assert [c for c in columns if c not in VALIDITY] == [c["name"] for c in current["columns"]], name
        for column in current["columns"]:
            ours = columns[column["name"]]
            assert " ".join(ours["description"].split()) == " ".join(column["description"].split()), \
                f"{name}.{column['name']}: describe it as {current['name']} does"
            assert ours.get("config") == column.get("config"), f"{name}.{column['name']}: tags differ"

"""Tests of `backbeat schema`: the JSON Schema on stdout, usable to validate routines."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from backbeat.cli import main
from click.testing import CliRunner

SPEC_EXAMPLE = Path(__file__).parent / "data" / "spec_example.yaml"


def test_schema__prints_a_draft_2020_12_schema():
    result = CliRunner().invoke(main, ["schema"], catch_exceptions=False)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(yaml.safe_load(SPEC_EXAMPLE.read_text()))) == []
    assert not validator.is_valid({"name": "R", "steps": [{"exercise": "A"}]})

"""Keeps schemas/federation.schema.json and the C++ validator from drifting apart.

The shipped federation files must validate against the JSON Schema (python-jsonschema), and
every structurally invalid case in cases/invalid_structure.json must be rejected by it. The
C++ side (federation_test) runs the same files and cases through ValidateFederation, so a
rule added to one and not the other fails one of the two test programs.

Run: python3 -m pytest -q tests/federation/test_schema.py
"""

import json
import pathlib

import jsonschema
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "federation.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
SHIPPED = [ROOT / "deploy" / "federation.example.json", ROOT / "deploy" / "demo" / "federation.json"]
INVALID = json.loads((pathlib.Path(__file__).parent / "cases" / "invalid_structure.json").read_text())["cases"]


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name if p.parent.name != "demo" else "demo/" + p.name)
def test_shipped_federation_file_validates(path):
    errors = sorted(VALIDATOR.iter_errors(json.loads(path.read_text())), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"/{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c["name"])
def test_invalid_case_is_rejected_where_expected(case):
    errors = list(VALIDATOR.iter_errors(case["document"]))
    assert errors, f"the schema accepts {case['name']!r}"
    # The schema reports additionalProperties / required at the object, the C++ validator at
    # the property itself for unknown ones: accept an error at the pointer or at its parent.
    pointers = {"/" + "/".join(map(str, e.absolute_path)) if e.absolute_path else "" for e in errors}
    for error in errors:
        for sub in error.context or []:
            pointers.add("/" + "/".join(map(str, sub.absolute_path)) if sub.absolute_path else "")
    expected = case["pointer"]
    parent = expected.rsplit("/", 1)[0] if expected else ""
    assert expected in pointers or parent in pointers, (expected, sorted(pointers))


def test_vocabularies_match_the_cpp_validator():
    # Every enum in the schema must appear, value by value, in validator.cpp, and the reverse
    # is checked by the invalid cases above; this catches a value added only to the schema.
    source = (ROOT / "libstac" / "federation" / "validator.cpp").read_text()
    missing = []

    def walk(node):
        if isinstance(node, dict):
            for value in node.get("enum", []):
                if f'"{value}"' not in source:
                    missing.append(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(SCHEMA)
    assert not missing, f"in the schema but not in validator.cpp: {missing}"

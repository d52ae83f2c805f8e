from __future__ import annotations

from conformance.oas import Validator, to_json_schema, undocumented_fields

from .fixtures import PETS

PET = {"$ref": "#/components/schemas/Pet"}


def test_nullable_becomes_a_null_type_and_the_nullable_reference_an_anyof() -> None:
    converted = to_json_schema(PETS["components"]["schemas"]["Pet"])
    assert converted["properties"]["age"] == {"type": ["integer", "null"]}
    owner = converted["properties"]["owner"]
    assert owner == {"anyOf": [{"allOf": [{"$ref": "#/components/schemas/Owner"}]}, {"type": "null"}]}


def test_a_valid_pet_and_a_null_owner_pass() -> None:
    validator = Validator(PET, PETS)
    assert validator.explain({"name": "Tom", "kind": "cat", "owner": None, "age": None}) == []


def test_the_explainer_says_where_what_and_what_is_allowed() -> None:
    validator = Validator(PET, PETS)
    found = {v.path: v for v in validator.explain({"name": 7, "kind": "cow", "owner": {}})}
    assert found["/name"].text == "has /name = 7 (integer); the schema expects string"
    assert found["/kind"].text == 'has /kind = "cow"; the schema allows only "cat", "dog"'
    # the nullable reference's anyOf is explained by its closest branch: the missing member inside
    assert found["/owner/id"].text == 'lacks the required property "id" in /owner'
    assert found["/owner/id"].found == "missing"


def test_limit_one_explains_the_first_error_the_same_way() -> None:
    validator = Validator(PET, PETS)
    [only] = validator.explain({"name": "Tom", "kind": "cat", "owner": {"id": "x"}}, limit=1)
    assert only.path == "/owner/id" and only.keyword == "type"
    [plain] = validator.violations({"name": "Tom", "kind": "cat", "owner": {"id": "x"}}, limit=1)
    assert plain.path == "/owner" and plain.keyword == "anyOf"


def test_a_recursive_schema_compiles_with_its_references_kept() -> None:
    validator = Validator({"$ref": "#/components/schemas/Tree"}, PETS)
    assert validator.is_valid({"children": [{"children": []}]})
    [bad] = validator.explain({"children": [{"children": 3}]})
    assert bad.path == "/children/0/children"


def test_undocumented_members_are_found_through_references() -> None:
    validator = Validator(PET, PETS)
    assert list(undocumented_fields(validator.oas_schema, {"name": "a", "kind": "cat", "colour": "red"})) == ["/colour"]


def test_leaves_reach_a_missing_member_inside_a_nullable_reference() -> None:
    """A missing member lies where the member should be: the nullable reference's anyOf is explained by the
    branch that lacks it (it used to stay "not valid under any of the schemas" at /owner)."""
    [leaf] = Validator(PET, PETS).leaves({"name": "Tom", "kind": "cat", "owner": {}})
    assert (leaf.path, leaf.keyword, leaf.found) == ("/owner/id", "required", "missing")

"""The declared-set filters the ceph_resources role uses."""
import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.koor.ceph.plugins.filter.resources import (
    FilterModule, declared, duplicate_keys, missing_keys, resource_summary)


def test_declared_splits_by_state_with_present_as_default():
    items = [{"name": "a"}, {"name": "b", "state": "absent"}, {"name": "c", "state": "present"}]
    assert [i["name"] for i in declared(items)] == ["a", "c"]
    assert [i["name"] for i in declared(items, "absent")] == ["b"]
    with pytest.raises(AnsibleFilterError, match="present or absent"):
        declared(items, "gone")
    with pytest.raises(AnsibleFilterError, match="expected a list"):
        declared({"name": "a"})


def test_missing_keys_finds_unnamed_items():
    items = [{"fs": "x", "name": "a"}, {"fs": "x"}, {"name": "b", "fs": ""}, "not-a-dict"]
    assert missing_keys(items, ["fs", "name"]) == [{"fs": "x"}, {"name": "b", "fs": ""}, "not-a-dict"]
    assert missing_keys([{"uid": "u"}], "uid") == []


def test_duplicate_keys_on_composite_identities():
    items = [{"fs": "a", "name": "g"}, {"fs": "b", "name": "g"}, {"fs": "a", "name": "g"},
             {"fs": "a", "name": "g"}]
    assert duplicate_keys(items, ["fs", "name"]) == ["a/g"]
    assert duplicate_keys(items, "name") == ["g"]


def test_resource_summary_merges_and_skips():
    skipped = {"skipped": True, "changed": False}
    assert resource_summary([skipped, {}]) == {"applied": False, "changed": False, "commands": []}
    applied = {"changed": True, "commands": ["ceph osd pool create x"]}
    removed = {"changed": True, "commands": ["ceph osd pool rm y y --yes-i-really-really-mean-it"]}
    summary = resource_summary([applied, removed])
    assert summary["applied"] and summary["changed"] and len(summary["commands"]) == 2
    assert resource_summary({"changed": False, "commands": []}) == {"applied": True, "changed": False,
                                                                    "commands": []}


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"missing_keys", "duplicate_keys", "resource_summary", "declared",
                                             "declaration_problems"}


def test_declaration_problems_over_several_lists():
    from ansible_collections.koor.ceph.plugins.filter.resources import declaration_problems
    kinds = [{"var": "pools", "key_fields": ["name"]}, {"var": "groups", "key_fields": ["fs", "name"]}]
    assert declaration_problems(kinds, [[{"name": "a"}], []]) == []
    problems = declaration_problems(kinds, [[{"name": "a"}, {"name": "a"}], [{"name": "g"}]])
    assert problems == ["pools declares a more than once", "groups: items without fs and name: [{'name': 'g'}]"]
    assert declaration_problems(kinds, ["x", []]) == ["pools must be a list, not str"]
    with pytest.raises(AnsibleFilterError):
        declaration_problems(kinds, [[]])

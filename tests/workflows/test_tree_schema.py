"""Tree documents: the JSON schema (jsonschema) and the semantic checks (references, reachability, cycles,
fallback, regexes)."""

from __future__ import annotations

import copy

import pytest

from apps.workflows.tree.schema import NODE_EXAMPLES, tree_validate


def tree(*nodes, start="ask", fallback="human"):
    return {"start": start, "fallback": fallback, "nodes": list(nodes)}


ASK = {
    "id": "ask",
    "type": "need_info",
    "fields": [{"name": "order_id", "patterns": [r"\bORD-(\d{5})\b"]}],
    "next": "check",
}
CHECK = {
    "id": "check",
    "type": "branch",
    "rules": [
        {"when": {"all": [{"field": "tier", "op": "eq", "value": "enterprise"}]}, "next": "human"},
        {"when": {"any": [{"field": "text", "op": "keywords", "value": ["broken"]}]}, "next": "bug"},
    ],
    "default": "answer",
}
BUG = {"id": "bug", "type": "action", "action": "bug_report", "next": "answer"}
ANSWER = {"id": "answer", "type": "answer", "template": "Thanks!"}
HUMAN = {"id": "human", "type": "escalate", "queue": "support", "priority": "high", "reason": "needs a person"}
VALID = tree(ASK, CHECK, BUG, ANSWER, HUMAN)


def messages(doc) -> list[str]:
    return [str(e) for e in tree_validate(doc)]


def test_a_complete_tree_is_valid():
    assert tree_validate(VALID) == []


def test_every_node_example_fits_the_schema():
    for kind, example in NODE_EXAMPLES.items():
        node = {"id": "n", "type": kind, **copy.deepcopy(example)}
        for key in ("next", "default", "on_error", "on_missing"):
            if key in node:
                node[key] = "human"
        for rule in node.get("rules", []):
            rule["next"] = "human"
        doc = tree(node, HUMAN, start="n") if kind != "escalate" else tree(node, start="n", fallback="n")
        assert tree_validate(doc) == [], kind


@pytest.mark.parametrize(
    ("change", "path", "text"),
    [
        (lambda d: d["nodes"][1].update(default="nowhere"), "/nodes/1", "unknown node id 'nowhere'"),
        (lambda d: d.update(fallback="answer"), "/fallback", "must be an escalate node"),
        (lambda d: d.update(start="missing"), "/start", "unknown node id 'missing'"),
        (lambda d: d["nodes"].append({"id": "orphan", "type": "answer"}), "/nodes/5", "not reachable"),
        (lambda d: d["nodes"][2].update(next="ask"), "/nodes", "cycle: ask → check → bug → ask"),
        (
            lambda d: d["nodes"][0]["fields"][0].update(patterns=["(unclosed"]),
            "/nodes/0/fields/0/patterns/0",
            "bad regex",
        ),
        (lambda d: d["nodes"].append(dict(ANSWER)), "/nodes/5/id", "duplicate node id 'answer'"),
    ],
)
def test_semantic_errors_name_the_place(change, path, text):
    doc = copy.deepcopy(VALID)
    change(doc)
    errors = tree_validate(doc)
    assert any(e.path == path and text in e.message for e in errors), messages(doc)


@pytest.mark.parametrize(
    ("change", "path", "text"),
    [
        (lambda d: d.pop("fallback"), "/", "'fallback' is a required property"),
        (lambda d: d["nodes"][3].update(colour="red"), "/nodes/3", "'colour' was unexpected"),
        (lambda d: d["nodes"][4].update(priority="whenever"), "/nodes/4/priority", "'whenever' is not one of"),
        (lambda d: d["nodes"][1]["rules"][0]["when"]["all"][0].update(field="shoe_size"), "/nodes/1/rules/0/when",
         "'shoe_size' does not match"),
        (lambda d: d["nodes"][1]["rules"][0]["when"]["all"][0].update(op="roughly"), "/nodes/1/rules/0/when",
         "'roughly' is not one of"),
        (lambda d: d["nodes"][2].update(action="refund"), "/nodes/2/action", "'refund' is not one of"),
        (lambda d: d["nodes"][0].update(type="teleport"), "/nodes/0/type", "'teleport' is not one of"),
    ],
)  # fmt: skip
def test_schema_errors_come_from_jsonschema_with_a_path(change, path, text):
    doc = copy.deepcopy(VALID)
    change(doc)
    errors = tree_validate(doc)
    assert errors and any(e.path.startswith(path) and text in e.message for e in errors), messages(doc)


def test_no_action_can_refund_or_change_permissions():
    """Hard restriction in the schema: the only action is filing a bug report."""
    from apps.workflows.tree.schema import NODE_SCHEMAS

    assert NODE_SCHEMAS["action"]["properties"]["action"] == {"enum": ["bug_report"]}


def test_errors_carry_the_node_id_for_the_editor():
    doc = copy.deepcopy(VALID)
    doc["nodes"][3]["colour"] = "red"
    (error,) = tree_validate(doc)
    assert error.node_id == "answer"


def test_not_a_tree_at_all():
    assert tree_validate("nodes") and tree_validate({"start": "a", "fallback": "b", "nodes": []})

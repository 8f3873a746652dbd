"""The tree editor of a workflow version: the nodes in order, each with its fields as JSON; add, edit, remove and
reorder nodes of a draft, with the engine's ``tree_validate`` errors shown on the node they concern after every
change; and a preview of a sample ticket through the version. Published and archived versions are read-only.

A draft keeps the tree as edited even while it is invalid (work in progress); running the sandbox and publishing
need a valid tree.
"""

from __future__ import annotations

import copy
import json
import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ApplicationError, ValidationError
from apps.core.permissions import LEADS, role_required
from apps.tickets.choices import Channel, Tier
from apps.workflows.tree.required import FIELD_CATALOGUE, need_info_fields, required_names

from .workflows_versions import _version

TEMPLATE = "workflows/workflow/workflow_version.html"
NODES = "nodes"  # the tree document's list of nodes
KIND = "type"  # a node's kind
ID = "id"
DIRECTIONS = {"up": -1, "down": 1}  # node_move's ``direction`` → index step


def _nodes(tree: dict) -> list[dict]:
    nodes = (tree or {}).get(NODES)
    return nodes if isinstance(nodes, list) else []


def node_kinds() -> dict[str, dict]:
    """``{kind: example fields}`` for the "add node" menu, from the engine's tree schema."""
    from apps.workflows.tree.schema import NODE_EXAMPLES

    return NODE_EXAMPLES


def tree_errors(tree: dict) -> tuple[dict[int, list[str]], list[str]]:
    """The engine's validation errors split into ``({node index: [message]}, [tree-level message])``."""
    from apps.workflows.tree.schema import tree_validate

    per_node: dict[int, list[str]] = {}
    general: list[str] = []
    ids = {n.get(ID): i for i, n in enumerate(_nodes(tree)) if isinstance(n, dict)}
    for error in tree_validate(tree):
        path = str(getattr(error, "path", "") or "")
        message = str(getattr(error, "message", error))
        match = re.match(rf"^/?{NODES}[/.\[](\d+)", path)
        node_id = getattr(error, "node_id", None) or getattr(error, "node", None)
        if match:
            per_node.setdefault(int(match.group(1)), []).append(message)
        elif node_id in ids:
            per_node.setdefault(ids[node_id], []).append(message)
        else:
            general.append(f"{path}: {message}" if path else message)
    return per_node, general


def _new_id(tree: dict, kind: str) -> str:
    taken = {n.get(ID) for n in _nodes(tree) if isinstance(n, dict)}
    n = 1
    while f"{kind}_{n}" in taken:
        n += 1
    return f"{kind}_{n}"


def _context(category, version, *, tree: dict | None = None, **extra) -> dict:
    tree = version.tree if tree is None else tree
    per_node, general = tree_errors(tree) if tree else ({}, [])
    nodes = [
        {
            "index": i,
            "node": node,
            "id": node.get(ID, "") if isinstance(node, dict) else "",
            "kind": node.get(KIND, "") if isinstance(node, dict) else "",
            "fields": json.dumps(
                {k: v for k, v in node.items() if k not in (ID, KIND)} if isinstance(node, dict) else node,
                indent=2,
                ensure_ascii=False,
            ),
            "errors": per_node.get(i, []),
        }
        for i, node in enumerate(_nodes(tree))
    ]
    return {
        "category": category,
        "version": version,
        "editable": version.status == "draft",
        "nodes": nodes,
        "tree_errors": general,
        "valid": not per_node and not general,
        "kinds": list(node_kinds()),
        "channels": Channel.choices,
        "tiers": Tier.choices,
        "tree_json": json.dumps(tree, indent=2, ensure_ascii=False),
        "profiles_json": json.dumps(version.profiles or {}, indent=2, ensure_ascii=False),
        "required_text": ", ".join(required_names(version.required_fields)),
        "required_known": sorted({*FIELD_CATALOGUE, *(f["name"] for f in need_info_fields(tree))}),
        "start": (tree or {}).get("start", ""),
        "fallback": (tree or {}).get("fallback", ""),
        **extra,
    }


@require_GET
@role_required(*LEADS)
def version_detail(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """The version's tree (editable when it is a draft), its settings and the preview form."""
    category, version = _version(category_id, number)
    return render(request, TEMPLATE, _context(category, version))


def _save(request, category, version, tree: dict, *, error: str = "", status: int = 200) -> HttpResponse:
    from apps.workflows.services.versions import workflow_version_update

    if not error:
        try:
            version = workflow_version_update(version=version, user=request.user, tree=tree)
        except ApplicationError as exc:
            error, status = exc.message, 409 if exc.__class__.__name__ == "ConflictError" else 422
    context = _context(category, version, tree=tree if error else None, edit_error=error)
    return render(request, f"{TEMPLATE}#node-list" if request.htmx else TEMPLATE, context, status=status)


@require_POST
@role_required(*LEADS)
def node_add(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Append a node of the posted ``kind`` (with the schema's example fields) to a draft's tree."""
    category, version = _version(category_id, number)
    kind = request.POST.get("kind", "")
    examples = node_kinds()
    tree = copy.deepcopy(version.tree) if isinstance(version.tree, dict) else {}
    if kind not in examples:
        return _save(request, category, version, tree, error=f"unknown node kind {kind!r}", status=422)
    tree.setdefault(NODES, [])
    tree[NODES].append({ID: _new_id(tree, kind), KIND: kind, **copy.deepcopy(examples[kind])})
    return _save(request, category, version, tree)


def _index(request, tree) -> int:
    try:
        index = int(request.POST.get("index", ""))
    except ValueError as exc:
        raise ValidationError("no node selected") from exc
    if not 0 <= index < len(_nodes(tree)):
        raise ValidationError(f"there is no node {index + 1}")
    return index


@require_POST
@role_required(*LEADS)
def node_edit(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Replace node ``index``'s id and fields (``fields``: a JSON object) in a draft's tree."""
    category, version = _version(category_id, number)
    tree = copy.deepcopy(version.tree) if isinstance(version.tree, dict) else {}
    try:
        index = _index(request, tree)
        try:
            fields = json.loads(request.POST.get("fields") or "{}")
        except json.JSONDecodeError as exc:
            raise ValidationError(f"node {index + 1}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        if not isinstance(fields, dict):
            raise ValidationError(f"node {index + 1}: the fields must be a JSON object")
        node = tree[NODES][index]
        node_id = (request.POST.get("id") or node.get(ID, "")).strip()
        tree[NODES][index] = {
            ID: node_id,
            KIND: node.get(KIND),
            **{k: v for k, v in fields.items() if k not in (ID, KIND)},
        }
    except ValidationError as exc:
        return _save(request, category, version, version.tree, error=exc.message, status=422)
    return _save(request, category, version, tree)


@require_POST
@role_required(*LEADS)
def node_remove(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Remove node ``index`` from a draft's tree."""
    category, version = _version(category_id, number)
    tree = copy.deepcopy(version.tree) if isinstance(version.tree, dict) else {}
    try:
        tree[NODES].pop(_index(request, tree))
    except ValidationError as exc:
        return _save(request, category, version, version.tree, error=exc.message, status=422)
    return _save(request, category, version, tree)


@require_POST
@role_required(*LEADS)
def node_move(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Move node ``index`` one place ``up`` or ``down`` (``direction``) in a draft's tree."""
    category, version = _version(category_id, number)
    tree = copy.deepcopy(version.tree) if isinstance(version.tree, dict) else {}
    try:
        index = _index(request, tree)
        direction = request.POST.get("direction", "")
        if direction not in DIRECTIONS:
            raise ValidationError(f"move a node up or down, not {direction!r}")
        target = index + DIRECTIONS[direction]
        if not 0 <= target < len(tree[NODES]):
            raise ValidationError("the node is already at that end")
        nodes = tree[NODES]
        nodes[index], nodes[target] = nodes[target], nodes[index]
    except ValidationError as exc:
        return _save(request, category, version, version.tree, error=exc.message, status=422)
    return _save(request, category, version, tree)


@require_POST
@role_required(*LEADS)
def version_preview(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Plan the posted sample ticket (``text``, ``channel``, ``tier``) through the version; returns ``#preview``."""
    from apps.workflows.services.sandbox import sandbox_preview

    category, version = _version(category_id, number)
    context = _context(category, version)
    try:
        context["preview"] = sandbox_preview(
            version=version,
            text=request.POST.get("text", ""),
            channel=request.POST.get("channel", Channel.EMAIL),
            tier=request.POST.get("tier", Tier.FREE),
        )
        status = 200
    except ApplicationError as exc:
        context["preview_error"], status = exc.message, 422
    context["preview_text"] = request.POST.get("text", "")
    return render(request, f"{TEMPLATE}#preview" if request.htmx else TEMPLATE, context, status=status)


@require_POST
@role_required(*LEADS)
def tree_ends(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Set the draft tree's ``start`` node and its ``fallback`` (escalate) node from the posted node ids (an empty
    field keeps the current one). An id that is not a node of the tree, or a fallback that is not an escalate node,
    is refused with 422 and nothing is saved (the tree validator's ``/start`` / ``/fallback`` errors)."""
    from apps.workflows.tree.schema import tree_validate

    category, version = _version(category_id, number)
    tree = copy.deepcopy(version.tree) if isinstance(version.tree, dict) else {}
    kinds = {n.get(ID): n.get(KIND) for n in _nodes(tree) if isinstance(n, dict)}
    errors = []
    for key in ("start", "fallback"):
        value = request.POST.get(key, "").strip()
        if not value:
            continue
        if value not in kinds:
            errors.append(f"{key}: the tree has no node {value!r}")
        elif key == "fallback" and kinds[value] != "escalate":
            errors.append(f"fallback: {value!r} is a {kinds[value]} node; the fallback must be an escalate node")
        tree[key] = value
    if not errors:  # the validator's own word on the two ends (e.g. an id outside the id pattern)
        errors = [str(e) for e in tree_validate(tree) if e.path in ("/start", "/fallback")]
    if errors:
        return _save(request, category, version, version.tree, error="; ".join(errors), status=422)
    return _save(request, category, version, tree)


@require_POST
@role_required(*LEADS)
def version_settings(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Save a draft's response guidelines, required information (comma-separated field names) and channel
    profiles (a JSON object per channel); errors come back on the form without losing the input."""
    from apps.workflows.services.versions import workflow_version_update

    category, version = _version(category_id, number)
    form = request.POST
    try:
        try:
            profiles = json.loads(form.get("profiles") or "{}")
        except json.JSONDecodeError as exc:
            raise ValidationError(f"channel profiles: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        if not isinstance(profiles, dict):
            raise ValidationError('channel profiles: a JSON object such as {"chat": {...}, "email": {...}}')
        from apps.workflows.tree.profiles import PROFILE_KEYS

        for channel, profile in profiles.items():
            if channel not in ("chat", "email") or not isinstance(profile, dict):
                raise ValidationError(f"channel profiles: {channel!r} must be chat or email, with an object")
            unknown = sorted(set(profile) - set(PROFILE_KEYS))
            if unknown:
                raise ValidationError(
                    f"channel profiles: unknown setting(s) {', '.join(unknown)} for {channel}; "
                    f"known: {', '.join(PROFILE_KEYS)}"
                )
        required = [f.strip() for f in form.get("required_fields", "").split(",") if f.strip()]
        bad = [f for f in required if not re.fullmatch(r"\w{1,40}", f)]
        if bad:
            raise ValidationError(f"required information: {', '.join(bad)} (letters, digits and _ only)")
        # fields defined with their own patterns (API) stay as they are while their name is listed
        specs = {i["name"]: i for i in version.required_fields or [] if isinstance(i, dict) and i.get("name")}
        required = [specs.get(name, name) for name in dict.fromkeys(required)]
        version = workflow_version_update(
            version=version,
            user=request.user,
            guidelines=form.get("guidelines", "").strip(),
            required_fields=required,
            profiles=profiles,
        )
    except ApplicationError as exc:
        context = _context(category, version, settings_error=exc.message, settings_form=form)
        return render(request, TEMPLATE, context, status=409 if exc.__class__.__name__ == "ConflictError" else 422)
    return render(request, TEMPLATE, _context(category, version, settings_saved=True))

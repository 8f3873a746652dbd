"""The guides' links, images and addresses: every relative link and image resolves, every screenshot in docs/img
is used and small, every in-product address a guide names is a real URL of the product, and the README links to
the guides."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from .markdown import DOCS, anchors, guides, links

IMG = DOCS / "img"
MAX_IMAGES_BYTES = 3_000_000


@pytest.mark.parametrize("guide", guides(), ids=lambda p: p.name)
def test_relative_links_and_images_resolve(guide):
    broken = []
    for line, is_image, target in links(guide):
        if re.match(r"^[a-z]+://", target) or target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        resolved = (guide.parent / path).resolve() if path else guide
        if not resolved.exists():
            broken.append(f"{guide.name}:{line} {'image' if is_image else 'link'} {target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{guide.name}:{line} {target}: no heading #{anchor} in {resolved.name}")
    assert not broken, "\n".join(broken)


def test_every_screenshot_is_used_and_the_set_stays_small():
    used = {(g.parent / t).resolve() for g in guides() for _, is_image, t in links(g) if is_image}
    pngs = set(IMG.glob("*.png"))
    assert pngs, "docs/img is empty: run `make screenshots`"
    unused = sorted(p.name for p in pngs if p.resolve() not in used)
    assert not unused, f"screenshots no guide shows (drop them from scripts/screenshots.py): {unused}"
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png.name} is not a PNG"
    total = sum(p.stat().st_size for p in pngs)
    assert total < MAX_IMAGES_BYTES, f"docs/img holds {total:,} bytes; keep it under {MAX_IMAGES_BYTES:,}"


def test_product_addresses_in_the_guides_exist():
    """Every http://127.0.0.1:8000/… address a guide names (in links or code) resolves to one of the product's
    URLs, so a moved screen breaks this test rather than the reader's bookmark."""
    missing = []
    for guide in guides():
        for match in re.finditer(r"http://127\.0\.0\.1:8000(/[^\s)>\"'`$]*)?", guide.read_text(encoding="utf-8")):
            path = urlsplit(match.group(1) or "/").path or "/"
            try:
                resolve(path)
            except Resolver404:
                missing.append(f"{guide.name}: {path}")
    assert not missing, "addresses the product does not have:\n" + "\n".join(missing)


def test_readme_links_every_guide():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    for guide in guides():
        assert f"docs/{guide.name}" in readme, f"README.md does not link docs/{guide.name} (Guides section)"


def _command_mentions() -> list[tuple[str, str, list[str]]]:
    """``(guide, command, [--flags])`` for every ``manage.py <command> …`` a guide names, in code or in prose."""
    found = []
    for guide in guides():
        text = guide.read_text(encoding="utf-8").replace("\\\n", " ")
        for match in re.finditer(r"manage\.py ([a-z_]+)((?:[ \t]+[^\s`|;&)]+)*)", text):
            flags = re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", match.group(2))
            found.append((guide.name, match.group(1), flags))
    return found


def test_every_management_command_and_flag_in_the_guides_exists():
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    problems = []
    for guide, name, flags in _command_mentions():
        if name not in commands:
            problems.append(f"{guide}: manage.py {name}: no such command")
            continue
        parser = load_command_class(commands[name], name).create_parser("manage.py", name)
        known = {option for action in parser._actions for option in action.option_strings}
        problems += [f"{guide}: manage.py {name} {flag}: no such option" for flag in flags if flag not in known]
    assert len(_command_mentions()) >= 15
    assert not problems, "\n".join(problems)


ENV_NAME = re.compile(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`")


def test_every_setting_a_guide_names_is_read_by_the_code():
    """Environment variables named in the guides (`NAME` in backticks) are read somewhere in config/ or apps/."""
    root = DOCS.parent
    source = "\n".join(p.read_text(encoding="utf-8") for d in ("config", "apps") for p in (root / d).rglob("*.py"))
    named = {m for g in guides() for m in ENV_NAME.findall(g.read_text(encoding="utf-8"))}
    assert len(named) >= 20
    unread = sorted(n for n in named if f'"{n}"' not in source)
    assert not unread, f"the guides name settings the code never reads: {unread}"


def _schema_vocabulary() -> set[str]:
    """Every property, parameter and enum value of the OpenAPI schema the product serves at /api/schema/."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    words: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            words.update(k for k in node.get("properties", {}))
            words.update(str(v) for v in node.get("enum", []) if v is not None)
            if "name" in node and "in" in node:
                words.add(node["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return words


def test_api_fields_in_the_api_guide_exist_in_the_schema():
    """Lower-case names in backticks in docs/api-guide.md are API fields, parameters or enum values (or one of the
    few words below that are not): a renamed field breaks this test."""
    not_fields = {
        "curl", "jq", "null", "auto",  # tools, JSON null, a rollout state
        "stripe", "slack", "zendesk", "freshdesk", "intercom",  # webhook providers in /api/v1/webhooks/<provider>/
    }  # fmt: skip
    named = set(re.findall(r"`([a-z][a-z_]*)`", (DOCS / "api-guide.md").read_text(encoding="utf-8")))
    unknown = sorted(named - not_fields - _schema_vocabulary())
    assert not unknown, f"the API guide names fields the API does not have: {unknown}"


@pytest.mark.parametrize(
    ("guide", "role", "lead_in"),
    [("lead-guide.md", "lead", "reachable from the top bar: "), ("agent-guide.md", "agent", "The top bar shows ")],
)
def test_the_top_bar_a_guide_names_is_the_products(guide, role, lead_in):
    """The lead's and the agent's guides list the top bar's entries: exactly the navigation that role gets, in
    order."""
    from apps.core.context_processors import NAVIGATION

    text = " ".join((DOCS / guide).read_text(encoding="utf-8").split())
    sentence = re.search(re.escape(lead_in) + r"(.+?)\.", text)
    assert sentence, f"{guide} no longer lists the top bar ({lead_in!r}…)"
    named = re.findall(r"\*\*([^*]+)\*\*", sentence.group(1))
    assert named == [label for _, label, roles in NAVIGATION if role in roles]

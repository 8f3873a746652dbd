"""Knowledge passages are data: a passage carrying instructions for the assistant is dropped before composing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import is_dataclass, replace
from typing import Any

from apps.knowledge.grounding import find_instructions

from .flags import FlagKind, GuardFlag
from .links import links_strip
from .matching import EVIDENCE_CHARS
from .requests import INJECTION_RULES, request_flags


def passages_screen(passages: Iterable[Any]) -> tuple[list[Any], list[GuardFlag]]:
    """``(kept, flags)``: the passages without injection cues, with links to outside hosts stripped from their text,
    and one ``kb-injection`` flag (kind ``injection``) per dropped passage naming it and the cue.

    A passage is dropped when ``request_flags`` finds an injection cue in it (ignore-instructions, rule rewriting,
    system-prompt requests, hidden instructions, invisible characters, outside images) or when
    ``apps.knowledge.grounding.find_instructions`` does. ``passages``: ``Passage``-like dataclasses (``source_id``,
    ``text``) or dicts with ``text``; the kept ones are returned as the same type."""
    injection_names = {r.name for r in INJECTION_RULES} | {"invisible-characters", "outside-image"}
    kept, flags = [], []
    for index, passage in enumerate(passages or ()):
        is_dict = isinstance(passage, dict)
        text = str((passage.get("text") if is_dict else getattr(passage, "text", passage)) or "")
        label = (passage.get("source_id") or passage.get("id") if is_dict else getattr(passage, "source_id", "")) or (
            f"passage {index + 1}"
        )
        cues = [f"{f.name}: {f.evidence}" for f in request_flags(text) if f.name in injection_names]
        cues += [f"instruction: {c}" for c in find_instructions(text)]
        if cues:
            flags.append(GuardFlag("kb-injection", FlagKind.INJECTION, f"{label}: {cues[0]}"[:EVIDENCE_CHARS]))
            continue
        clean = links_strip(text)
        if clean != text:
            if is_dict:
                passage = {**passage, "text": clean}
            elif is_dataclass(passage):
                passage = replace(passage, text=clean)
        kept.append(passage)
    return kept, flags

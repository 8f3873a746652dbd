"""Per-category decision trees: the document schema (``schema``), branch conditions (``conditions``), the walk
(``executor``), channel behaviour profiles (``profiles``) and the answer node (``answer``).

The engine runs the published version's tree in ``apps.workflows.engine.pipeline`` (trace step ``tree``)."""

from .executor import TreeOutcome, resume_state, tree_run
from .profiles import ChannelProfile, answer_render, profile_for, profiles_validate
from .schema import NODE_EXAMPLES, TreeError, tree_validate

__all__ = [
    "NODE_EXAMPLES",
    "ChannelProfile",
    "TreeError",
    "TreeOutcome",
    "answer_render",
    "profile_for",
    "profiles_validate",
    "resume_state",
    "tree_run",
    "tree_validate",
]

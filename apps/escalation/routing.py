"""Routing and assignment of escalations.

``Router``: ordered ``RoutingRule`` rows (first match wins) turn the engine's proposal (queue, priority) plus the
ticket's tier, category, language and fired triggers into the final queue and priority, and may ask for the
organization's account manager. ``Assigner``: picks the agent — the account manager when asked and online, the
agent who already has a returning conversation when they are online, else the least-loaded online member of the
queue (ties: the one assigned longest ago, i.e. round-robin). Offline and away agents never receive work; when
nobody is online the handoff stays unassigned in its queue (the inbox shows it to every member).

Data source: ``RoutingRule``, ``Queue.members``, ``User.availability``, active ``Handoff`` counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce

from apps.core.choices import Availability
from apps.escalation.choices import HandoffStatus
from apps.escalation.models import Handoff, Queue, RoutingRule

ACTIVE = (HandoffStatus.OPEN, HandoffStatus.CLAIMED)


@dataclass(frozen=True)
class RouteInput:
    """What routing rules look at; ``triggers``: names of the triggers that fired."""

    tier: str = ""
    category: str = ""
    priority: str = ""
    language: str = ""
    triggers: tuple[str, ...] = ()
    about_to_breach: bool = False


@dataclass(frozen=True)
class Route:
    """The routing result; ``rule``: the matching rule's name (``""``: none matched, the proposal stands)."""

    queue_slug: str
    priority: str
    to_account_manager: bool = False
    rule: str = ""


def _category_matches(patterns: list[str], category: str) -> bool:
    for pattern in patterns:
        if pattern.endswith("/*") and (category == pattern[:-2] or category.startswith(pattern[:-1])):
            return True
        if pattern == category:
            return True
    return False


def rule_matches(rule: RoutingRule, data: RouteInput) -> bool:
    """True when every non-empty condition of ``rule`` holds for ``data``."""
    if rule.tiers and data.tier not in rule.tiers:
        return False
    if rule.categories and not _category_matches(rule.categories, data.category):
        return False
    if rule.priorities and data.priority not in rule.priorities:
        return False
    if rule.languages and (data.language or "")[:2].lower() not in rule.languages:
        return False
    if rule.triggers and not set(rule.triggers) & set(data.triggers):
        return False
    return not (rule.about_to_breach and not data.about_to_breach)


class Router:
    """The enabled routing rules in order; load once per batch (one query)."""

    def __init__(self, rules: Iterable[RoutingRule]):
        self.rules = list(rules)

    @classmethod
    def load(cls) -> Router:
        return cls(RoutingRule.objects.filter(enabled=True).order_by("order", "id"))

    def route(self, data: RouteInput, *, queue_slug: str, priority: str) -> Route:
        """The first matching rule's queue and priority (each kept from the proposal when the rule leaves it
        empty), or the proposal ``queue_slug`` / ``priority`` when no rule matches."""
        for rule in self.rules:
            if rule_matches(rule, data):
                return Route(
                    queue_slug=rule.queue_slug or queue_slug,
                    priority=rule.priority or priority,
                    to_account_manager=rule.to_account_manager,
                    rule=rule.name,
                )
        return Route(queue_slug=queue_slug, priority=priority)


@dataclass
class Assigner:
    """Agent picking for a batch: queue members, availability and current load, loaded in three queries."""

    members: dict[int, list] = field(default_factory=dict)  # queue id -> users
    users: dict[int, object] = field(default_factory=dict)  # user id -> user (members, managers, assignees)
    load: dict[int, int] = field(default_factory=dict)  # user id -> active handoffs
    last: dict[int, datetime] = field(default_factory=dict)  # user id -> last assignment

    @classmethod
    def load_for(cls, *, queues: Iterable[Queue], extra_user_ids: Iterable[int] = ()) -> Assigner:
        """``queues``: the queues the batch may use; ``extra_user_ids``: account managers and current assignees."""
        queue_ids = [q.pk for q in queues]
        through = Queue.members.through
        links = list(through.objects.filter(queue_id__in=queue_ids).select_related("user"))
        members: dict[int, list] = {}
        users = {}
        for link in links:
            members.setdefault(link.queue_id, []).append(link.user)
            users[link.user_id] = link.user
        missing = set(extra_user_ids) - set(users) - {None}
        if missing:
            users.update({u.pk: u for u in get_user_model().objects.filter(pk__in=missing)})
        stats = (
            Handoff.objects.filter(status__in=ACTIVE)
            .annotate(agent=Coalesce("claimed_by_id", "assigned_to_id"))
            .filter(Q(agent__in=list(users)))
            .values("agent")
            .annotate(n=Count("id"), last=Max("created_at"))
            .order_by()
        )
        load, last = {}, {}
        for row in stats:
            load[row["agent"]], last[row["agent"]] = row["n"], row["last"]
        return cls(members=members, users=users, load=load, last=last)

    def available(self, user_id: int | None) -> bool:
        user = self.users.get(user_id) if user_id else None
        return bool(user) and user.is_active and user.availability == Availability.ONLINE

    def pick(self, *, queue: Queue, current_assignee_id: int | None, account_manager_id: int | None) -> tuple:
        """``(user or None, why)``: who gets the handoff and why, counting it in the batch's load."""
        chosen, why = None, ""
        if account_manager_id and self.available(account_manager_id):
            chosen, why = self.users[account_manager_id], "account manager"
        elif current_assignee_id and self.available(current_assignee_id):
            chosen, why = self.users[current_assignee_id], "already has this conversation"
        else:
            online = [u for u in self.members.get(queue.pk, []) if self.available(u.pk)]
            if online:
                epoch = datetime.min.replace(tzinfo=None)

                def order(user):
                    last = self.last.get(user.pk)
                    return (self.load.get(user.pk, 0), last.replace(tzinfo=None) if last else epoch, user.pk)

                chosen = min(online, key=order)
                why = "least-loaded online member"
            else:
                why = "no member of the queue is online"
        if chosen is not None:
            self.load[chosen.pk] = self.load.get(chosen.pk, 0) + 1
            self.last[chosen.pk] = datetime.max
        return chosen, why

"""The OpenAI-compatible provider against a local OpenAI-compatible HTTP server on 127.0.0.1: a grounded reply
(structured output, citations limited to the passages, PII redacted), and every failure — timeout, 429, 500,
malformed JSON, a model asking for a human — escalating through the real triage with nothing sent and the
model, tokens and latency recorded on the Decision."""

from __future__ import annotations

import json

import pytest

from apps.core.errors import ProviderError
from apps.escalation.models import Handoff
from apps.integrations.llm import get_llm
from apps.integrations.llm.base import Passage, TicketBrief
from apps.integrations.llm.openai_provider import OpenAIProvider
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message
from apps.workflows.choices import Outcome
from apps.workflows.services.triage import ticket_triage
from tests.standins.fixtures import standin  # noqa: F401
from tests.standins.server import Reply
from tests.workflows.test_engine_pipeline import CLF, orders, publish, ticket_with  # noqa: F401

pytestmark = pytest.mark.django_db
COMPLETIONS = ("POST", r"/v1/chat/completions")
MODEL = "local-llama-3.1-8b"


def completion(content: str, *, prompt_tokens=321, completion_tokens=45) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1764547200,
        "model": MODEL,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content, "refusal": None}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }  # fmt: skip


def reply_json(text: str, citations=(), needs_human=False, reason="") -> str:
    return json.dumps({"reply": text, "citations": list(citations), "needs_human": needs_human, "reason": reason})


def provider(server, *, timeout=2.0, retries=1) -> OpenAIProvider:
    return OpenAIProvider(base_url=f"{server.url}/v1", api_key="sk-test", model=MODEL, timeout=timeout,
                          max_retries=retries)  # fmt: skip


BRIEF = TicketBrief(ticket_id=5, channel="email", customer_name="Ada Lovelace", subject="Export",
                    text="How do I export? Reach me at ada@example.org or +44 20 7946 0958.")  # fmt: skip
PASSAGE = Passage("KB-3", "Export orders", "Open Orders and click Export.", "https://help.tallyflow.example/export")


class Cat:
    slug, name, reply_template = "orders", "Orders", "Hi {first_name}, here is how."


def test_a_structured_reply_with_citations_and_redacted_request(standin):  # noqa: F811
    server = standin({COMPLETIONS: Reply(200, completion(reply_json("Open Orders and click Export.", ["KB-3"])))})
    reply = provider(server).compose_answer(
        ticket=BRIEF, category=Cat, passages=[PASSAGE], facts={"plan": "Pro"}, channel="email",
        guidelines="Be brief.", profile={"shape": "email", "max_chars": 900},
    )  # fmt: skip
    assert reply.text == "Open Orders and click Export." and reply.citations == ["KB-3"]
    assert (reply.model_name, reply.tokens_in, reply.tokens_out) == (MODEL, 321, 45) and reply.latency_ms > 0
    sent = server.requests[0].json
    assert sent["model"] == MODEL and sent["temperature"] == 0
    schema = sent["response_format"]["json_schema"]
    assert schema["strict"] is True and schema["schema"]["properties"]["citations"]["items"]["enum"] == ["KB-3"]
    body = json.dumps(sent["messages"])
    assert "ada@example.org" not in body and "7946" not in body and "[EMAIL]" in body and "[PHONE]" in body
    assert "Be brief." in body and '<passage id=\\"KB-3\\"' in body and "max_chars" in body


def test_classification_is_constrained_to_the_category_slugs(standin):  # noqa: F811
    content = json.dumps({"category": "billing/refund-status", "confidence": 0.82})
    server = standin({COMPLETIONS: Reply(200, completion(content))})
    slug, confidence, meta = provider(server).classify(
        text="where is my refund", slugs=["orders", "billing/refund-status"]
    )
    assert (slug, confidence, meta["tokens_in"]) == ("billing/refund-status", 0.82, 321)
    enum = server.requests[0].json["response_format"]["json_schema"]["schema"]["properties"]["category"]["enum"]
    assert enum == ["orders", "billing/refund-status"]
    bad = standin({COMPLETIONS: Reply(200, completion(json.dumps({"category": "made-up", "confidence": 0.9})))})
    with pytest.raises(ProviderError, match="does not fit the schema"):
        provider(bad).classify(text="x", slugs=["orders"])


def test_the_setting_selects_the_provider(settings, standin):  # noqa: F811
    server = standin({COMPLETIONS: Reply(200, completion(reply_json("ok")))})
    settings.LLM_PROVIDER, settings.LLM_BASE_URL, settings.LLM_MODEL = "openai", f"{server.url}/v1", "m-from-settings"
    llm = get_llm()
    assert isinstance(llm, OpenAIProvider) and llm.model_name == "m-from-settings"
    settings.LLM_PROVIDER = "offline"
    assert get_llm().model_name == "offline-composer"


def test_an_unconfigured_provider_escalates_instead_of_crashing(settings, orders):  # noqa: F811
    settings.LLM_BASE_URL = settings.OPENAI_BASE_URL = settings.LLM_API_KEY = settings.OPENAI_API_KEY = ""
    ticket = ticket_with("[orders@0.97] How do I export my orders?")
    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF, llm=OpenAIProvider(model=MODEL))
    assert decision.outcome == Outcome.ESCALATE and not decision.sent and "not configured" in decision.reason


FAILURES = {
    "timeout": (lambda: Reply(200, completion(reply_json("late")), delay=1.5), "timed out after 0.4 s", 2),
    "429": (lambda: Reply(429, {"error": {"message": "slow down", "type": "rate_limit"}},
                          headers={"retry-after-ms": "10"}), "rate limited (429)", 2),
    "500": (lambda: Reply(500, {"error": {"message": "boom"}}, headers={"retry-after-ms": "10"}), "HTTP 500", 2),
    "malformed": (lambda: Reply(200, completion("Sure! Here is your answer: {not json")), "malformed model output", 1),
    "schema": (lambda: Reply(200, completion(json.dumps({"reply": "x"}))), "does not fit the schema", 1),
    "needs_human": (lambda: Reply(200, completion(reply_json("", needs_human=True, reason="not in the passages"))),
                    "the model asks for a human: not in the passages", 1),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(FAILURES))
def test_provider_failures_escalate_and_send_nothing(kind, standin, orders):  # noqa: F811
    make, message, attempts = FAILURES[kind]
    server = standin({COMPLETIONS: lambda req: make()})
    ticket = ticket_with("[orders@0.97] How do I export my orders?")
    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF, llm=provider(server, timeout=0.4, retries=1))
    assert decision.outcome == Outcome.ESCALATE and not decision.sent
    assert decision.trace["why"] == "composer_error" and message in decision.reason
    assert not Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).exists()
    assert Handoff.objects.filter(ticket=ticket).exists() and len(server.requests) == attempts
    assert decision.model_name == MODEL and decision.latency_ms > 0
    compose = next(s for s in decision.trace["steps"] if s["step"] == "compose")
    assert message in compose["error"]
    if kind == "timeout":
        assert compose["ms"] >= 800  # two attempts of 0.4 s
    if kind in ("malformed", "schema", "needs_human"):  # the call itself worked: its tokens are recorded
        assert (decision.tokens_in, decision.tokens_out) == (321, 45)


def test_a_successful_reply_through_the_pipeline_records_model_tokens_and_latency(standin, orders):  # noqa: F811
    nodes = [{"id": "a", "type": "answer", "knowledge": False}, {"id": "h", "type": "escalate", "queue": "support"}]
    publish(orders, tree={"start": "a", "fallback": "h", "nodes": nodes})
    text = "Open Orders and click Export; the CSV arrives by email."
    server = standin({COMPLETIONS: Reply(200, completion(reply_json(f"Hi Ada, {text}"), completion_tokens=19))})
    ticket = ticket_with("[orders@0.97] How do I export my orders?", channel="chat")
    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF, llm=provider(server))
    assert decision.outcome == Outcome.RESOLVE and decision.sent and decision.reply_text == text  # chat: no greeting
    assert (decision.model_name, decision.tokens_in, decision.tokens_out) == (MODEL, 321, 19)
    assert decision.prompt_version == "openai-reply-v1" and decision.latency_ms > 0
    assert Message.objects.get(ticket=ticket, author_kind=AuthorKind.AI).body == text


def test_the_provider_judges_borderline_frustration_and_a_failure_keeps_the_lexicon_verdict(standin):  # noqa: F811
    from apps.escalation.frustration import frustration_assess

    text = "The export is slow and a bit annoying."  # VADER -0.40: borderline, neither clear nor calm
    judged = standin({COMPLETIONS: Reply(200, completion(json.dumps({"frustrated": True, "evidence": "annoying"})))})
    found = frustration_assess(text, llm=provider(judged))
    assert (found.cue, found.evidence) == ("llm", "annoying")
    schema = judged.requests[0].json["response_format"]["json_schema"]
    assert schema["name"] == "frustration" and schema["schema"]["required"] == ["frustrated", "evidence"]
    calm = standin({COMPLETIONS: Reply(200, completion(json.dumps({"frustrated": False, "evidence": ""})))})
    assert frustration_assess(text, llm=provider(calm)).cue == ""
    broken = standin({COMPLETIONS: Reply(500, {"error": {"message": "boom"}})})
    assert frustration_assess(text, llm=provider(broken, retries=0)).cue == ""
    clear = frustration_assess("This is so disappointing and frustrating.", llm=provider(broken, retries=0))
    assert clear.cue == "vader"  # a clear lexicon verdict needs no model call

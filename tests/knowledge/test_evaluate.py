"""evaluate_retrieval on a small slice of the StackExchange FAQ set."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from apps.knowledge.models import Source

pytestmark = [pytest.mark.django_db, pytest.mark.dataset]


def test_evaluate_retrieval_json_on_a_slice(shared_data):
    out = io.StringIO()
    path = shared_data / "kb_faq" / "stackexchange_faq.json"
    call_command("evaluate_retrieval", str(path), "--format", "stackfaq", "--json", "--max-articles", "12", stdout=out)
    report = json.loads(out.getvalue())
    assert report["documents"] == 12 and report["queries"] >= 100
    assert set(report["methods"]) == {"hybrid", "dense", "fulltext"}
    for key in ("recall_at_1", "recall_at_5", "recall_at_10", "mrr"):
        assert report[key] == report["methods"]["hybrid"][key]
    hybrid = report["methods"]["hybrid"]
    assert 0 <= hybrid["recall_at_1"] <= hybrid["recall_at_5"] <= hybrid["recall_at_10"] <= 1
    assert hybrid["recall_at_5"] >= 0.9 and hybrid["mrr"] >= 0.8
    assert report["methods"]["fulltext"]["ms_mean"] > 0
    assert not Source.objects.exists()  # the throwaway source is gone


def test_evaluate_retrieval_rejects_a_wrong_file(tmp_path):
    bad = tmp_path / "faq.json"
    bad.write_text('{"something": []}')
    with pytest.raises(CommandError, match="is not a stackfaq file"):
        call_command("evaluate_retrieval", str(bad), "--format", "stackfaq", "--json")


@pytest.mark.parametrize(
    ("fmt", "relative", "articles"),
    [("ecommerce-faq", "kb_faq/ecommerce_faq.json", 20), ("twitter-care", "twitter_customer_care", 40)],
)
def test_evaluate_retrieval_reads_the_other_formats(shared_data, fmt, relative, articles):
    out = io.StringIO()
    call_command(
        "evaluate_retrieval",
        str(shared_data / relative),
        "--format",
        fmt,
        "--json",
        "--max-articles",
        str(articles),
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert report["format"] == fmt and report["documents"] == articles and report["queries"] > 0
    hybrid = report["methods"]["hybrid"]
    assert 0 <= hybrid["recall_at_1"] <= hybrid["recall_at_5"] <= hybrid["recall_at_10"] <= 1
    assert report["mrr"] == hybrid["mrr"] and hybrid["recall_at_10"] > 0  # the right article is found at times
    assert not Source.objects.exists()

"""``python manage.py evaluate_retrieval --format stackfaq|ecommerce-faq|twitter-care PATH [--json]``"""

import json as jsonlib

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.core.errors import ApplicationError
from apps.knowledge.evaluation import FORMATS, evaluate, load
from apps.knowledge.retrieval import METHODS


class Command(BaseCommand):
    help = (
        "Ingest an FAQ set into a throwaway source and report Recall@1/5/10 and MRR@10 of its queries for "
        "dense, full-text and hybrid retrieval, with timings. The source is deleted afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The data set file (twitter-care: its folder)")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument("--json", action="store_true", help="Print one JSON document")
        parser.add_argument("--methods", default=",".join(METHODS), help="Comma-separated subset of methods")
        parser.add_argument("--max-articles", type=int, default=None, help="Use only the first N articles")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar")

    def handle(self, *args, path, fmt, methods, max_articles, no_progress, **options):
        chosen = tuple(m.strip() for m in methods.split(",") if m.strip())
        if not chosen or any(m not in METHODS for m in chosen):
            raise CommandError(f"--methods takes a comma-separated subset of {', '.join(METHODS)}.")
        try:
            evalset = load(fmt, path, max_articles=max_articles)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        bar = tqdm(
            total=len(evalset.queries) * len(chosen),
            unit="query",
            desc="Searching",
            disable=no_progress or options["json"] or None,
        )
        done = {}

        def progress(method, n, total):
            bar.update(n - done.get(method, 0))
            done[method] = n

        try:
            report = evaluate(evalset, methods=chosen, on_progress=progress)
        finally:
            bar.close()
        report["path"] = str(path)
        if options["json"]:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(
            f"{report['format']}: {report['documents']} articles, {report['chunks']} chunks "
            f"(ingested in {report['ingest_seconds']} s, {report['ingest_chunks_per_second']} chunks/s), "
            f"{report['queries']} queries"
        )
        header = f"{'method':<10} {'R@1':>7} {'R@5':>7} {'R@10':>7} {'MRR@10':>7} {'ms/query':>9} {'p95 ms':>7}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for method, m in report["methods"].items():
            marker = "  <- shipped" if method == report["shipped_method"] else ""
            self.stdout.write(
                f"{method:<10} {m['recall_at_1']:>7.3f} {m['recall_at_5']:>7.3f} {m['recall_at_10']:>7.3f} "
                f"{m['mrr']:>7.3f} {m['ms_mean']:>9.1f} {m['ms_p95']:>7.1f}{marker}"
            )


def _dumps(report: dict) -> str:
    return jsonlib.dumps(report, indent=2)

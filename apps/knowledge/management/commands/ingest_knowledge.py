"""``python manage.py ingest_knowledge PATH --source NAME [--kind K] [--visibility V] [--product-area X] [--prune]``"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from apps.core.errors import ApplicationError
from apps.knowledge.choices import IngestionStatus, SourceKind, Visibility
from apps.knowledge.models import IngestionRun
from apps.knowledge.services import collect_files, path_ingest, source_get_or_create
from apps.knowledge.services.uploads import run_record_result


class Command(BaseCommand):
    help = (
        "Ingest a file or a folder (Markdown, HTML, text, PDF, Q/A CSV) into a knowledge source. Unchanged "
        "documents are skipped; changed ones get their chunks replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file or a folder (searched recursively)")
        parser.add_argument("--source", required=True, help="Source name (created when missing)")
        parser.add_argument("--kind", choices=SourceKind.values, help="Source kind (default help_article when new)")
        parser.add_argument(
            "--visibility", choices=Visibility.values, help="public or internal (default public when new)"
        )
        parser.add_argument("--product-area", dest="product_area", help="Product area of the source, e.g. billing")
        parser.add_argument(
            "--prune", action="store_true", help="Delete documents of the source that are not under PATH any more"
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="Initial loads: one transaction, vector index rebuilt after the load (searches wait meanwhile)",
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar")

    def handle(self, *args, path, source, kind, visibility, product_area, prune, bulk, no_progress, **options):
        try:
            files = collect_files(path)
            src, created = source_get_or_create(
                name=source, kind=kind, visibility=visibility, product_area=product_area
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        run = IngestionRun.objects.create(
            source=src, origin="command", status=IngestionStatus.RUNNING, total=len(files), upload_dir=str(path)
        )
        bar = tqdm(total=len(files), unit="file", desc=f"Ingesting into {src.name}", disable=no_progress or None)

        def progress(done, total, batch):
            bar.set_postfix(chunks=batch.chunks, refresh=False)
            bar.update(done - bar.n)
            IngestionRun.objects.filter(pk=run.pk).update(processed=done, updated_at=timezone.now())

        started = time.perf_counter()
        try:
            result = path_ingest(source=src, path=path, prune=prune, on_progress=progress, bulk=bulk)
        except ApplicationError as exc:
            run.status, run.errors, run.finished_at = IngestionStatus.FAILED, [exc.message], timezone.now()
            run.save()
            raise CommandError(exc.message) from exc
        finally:
            bar.close()
        elapsed = time.perf_counter() - started
        run_record_result(run=run, result=result)
        for error in result.errors:
            self.stderr.write(f"  failed: {error}")
        rate = f", {result.chunks / elapsed:,.0f} chunks/s" if result.chunks and elapsed > 0 else ""
        if bulk:
            rate += f"; vector index rebuilt in {result.index_seconds:.1f} s"
        self.stdout.write(
            f"{'Created' if created else 'Updated'} source '{src.name}' ({src.kind}, {src.visibility}): "
            f"{result.documents} documents — {result.created} new, {result.updated} changed, "
            f"{result.unchanged} unchanged, {result.failed} failed, {result.pruned} removed; "
            f"{result.chunks} chunks written in {elapsed:.1f} s{rate}."
        )
        if result.documents and result.failed == result.documents:
            raise CommandError("Every document failed; see the errors above.")

"""``python manage.py reembed [--all]``: re-embed chunks made by another model than the configured provider."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.core.errors import ApplicationError
from apps.integrations.embeddings import get_embeddings
from apps.knowledge.services import chunks_reembed


class Command(BaseCommand):
    help = "Re-embed knowledge chunks (and gaps) whose embedding model differs from the configured provider."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", dest="everything", help="Re-embed every chunk")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar")

    def handle(self, *args, everything, batch_size, no_progress, **options):
        provider = get_embeddings()
        bar = tqdm(unit="chunk", desc=f"Re-embedding with {provider.model_name}", disable=no_progress or None)

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        try:
            count = chunks_reembed(everything=everything, batch_size=batch_size, on_progress=progress)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        finally:
            bar.close()
        self.stdout.write(f"Re-embedded {count} chunks with {provider.model_name}.")

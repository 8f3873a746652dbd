"""Ingestion runs: files uploaded through the screen or the API, stored, then ingested by a background task."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from apps.core.errors import ValidationError
from apps.knowledge.choices import IngestionStatus
from apps.knowledge.ingestion import format_for, max_file_bytes
from apps.knowledge.models import IngestionRun, Source

from .ingestion import IngestResult, path_ingest

logger = logging.getLogger(__name__)

MAX_FILES_PER_UPLOAD = 200


def upload_root() -> Path:
    """Where uploaded files wait for their ingestion (``MEDIA_ROOT/knowledge/uploads``)."""
    return Path(settings.MEDIA_ROOT) / "knowledge" / "uploads"


def check_upload(name: str, size: int, head: bytes) -> str | None:
    """Why a file cannot be ingested (type, size, content), or ``None`` when it can."""
    fmt = format_for(name)
    if fmt is None:
        return f"{name}: unsupported type (use .md, .html, .txt, .pdf or .csv)."
    if size > max_file_bytes():
        return f"{name}: {size:,} bytes is over the {max_file_bytes():,}-byte limit."
    if size == 0:
        return f"{name}: the file is empty."
    if fmt == "pdf" and not head.startswith(b"%PDF-"):
        return f"{name}: not a PDF file."
    if fmt != "pdf" and b"\x00" in head:
        return f"{name}: binary content in a text file."
    return None


def ingestion_run_create(
    *, source: Source, files: Sequence[UploadedFile], user=None, origin: str = "upload"
) -> IngestionRun:
    """Check and store uploaded ``files`` for ``source`` and queue their ingestion (a django-q2 task started
    after commit). Every file is checked first: one bad file refuses the whole upload with a
    ``ValidationError`` whose ``extra["files"]`` lists the problems, so nothing is half-ingested."""
    if not files:
        raise ValidationError("Choose at least one file to upload.")
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise ValidationError(f"At most {MAX_FILES_PER_UPLOAD} files per upload.")
    problems = []
    for upload in files:
        head = upload.read(1024)
        upload.seek(0)
        problem = check_upload(upload.name or "", upload.size or 0, head)
        if problem:
            problems.append(problem)
    if problems:
        raise ValidationError("Some files cannot be ingested: " + " ".join(problems), extra={"files": problems})

    with transaction.atomic():
        run = IngestionRun.objects.create(source=source, origin=origin, total=len(files), started_by=user)
        folder = upload_root() / str(run.pk)
        folder.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        for upload in files:
            name = get_valid_filename(Path(upload.name).name) or "upload.txt"
            while name in used:
                name = "_" + name
            used.add(name)
            with open(folder / name, "wb") as out:
                for piece in upload.chunks():
                    out.write(piece)
        run.upload_dir = str(folder)
        run.save(update_fields=["upload_dir", "updated_at"])
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from django_q.tasks import async_task

    async_task("apps.knowledge.tasks.ingestion_run_task", run_id, task_name=f"knowledge-ingest-{run_id}")


def ingestion_run_execute(*, run_id: int) -> IngestionRun:
    """Ingest a queued run's files, updating its progress after each batch; ``DONE`` or ``FAILED`` at the end.
    A run that is not queued any more is returned unchanged (safe to retry). The uploaded files are deleted."""
    with transaction.atomic():
        run = IngestionRun.objects.select_for_update().select_related("source").get(pk=run_id)
        if run.status != IngestionStatus.QUEUED:
            return run
        run.status = IngestionStatus.RUNNING
        run.save(update_fields=["status", "updated_at"])

    def progress(done: int, total: int, batch: IngestResult) -> None:
        IngestionRun.objects.filter(pk=run.pk).update(processed=done, updated_at=timezone.now())

    try:
        result = path_ingest(source=run.source, path=Path(run.upload_dir), on_progress=progress)
    except Exception as exc:  # record any failure on the run for the screen; the task log keeps the traceback
        logger.exception("Ingestion run %s failed", run.pk)
        run.status, run.errors, run.finished_at = IngestionStatus.FAILED, [str(exc)], timezone.now()
        run.save(update_fields=["status", "errors", "finished_at", "updated_at"])
    else:
        run_record_result(run=run, result=result)
    finally:
        if run.upload_dir and Path(run.upload_dir).is_relative_to(upload_root()):
            shutil.rmtree(run.upload_dir, ignore_errors=True)
    return run


def run_record_result(*, run: IngestionRun, result: IngestResult) -> IngestionRun:
    """Store an ingestion's counts on its run and mark it done."""
    run.status = IngestionStatus.DONE
    run.processed = run.total or result.documents
    run.created_count, run.updated_count = result.created, result.updated
    run.unchanged_count, run.failed_count, run.chunk_count = result.unchanged, result.failed, result.chunks
    run.errors = result.errors[:100]
    run.finished_at = timezone.now()
    run.save()
    return run

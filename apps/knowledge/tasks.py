"""Background tasks of the knowledge app (django-q2): thin wrappers that load by id and call one service."""

from .services import ingestion_run_execute


def ingestion_run_task(run_id: int) -> str:
    """Ingest the files of an upload (``IngestionRun``); returns the run's final status."""
    return ingestion_run_execute(run_id=run_id).status

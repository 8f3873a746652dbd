"""The project's own errors. Services raise these with a message a person can act on."""


class ApplicationError(Exception):
    """Base for expected failures of a service (bad input, wrong state). ``extra`` carries details."""

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ValidationError(ApplicationError):
    """Input that cannot be accepted (a malformed row, an unknown field)."""


class ConflictError(ApplicationError):
    """The object changed or was taken by someone else (a draft already reviewed)."""


class ProviderError(ApplicationError):
    """An LLM, embeddings or vendor call failed or timed out. Callers escalate, never send."""

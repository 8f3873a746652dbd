"""Writes of the workflows app, one module per topic (triage, drafts, …)."""

"""Audit trail: who changed which workflow, threshold, trigger, queue, SLA policy, connection or user, and when.

History tables for other apps' models live here (django-simple-history, registered in ``AuditConfig.ready``), so
the owning apps keep their models untouched. See ``registry.TRACKED``.
"""

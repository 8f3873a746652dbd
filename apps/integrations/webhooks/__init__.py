"""Signed webhooks in (Stripe, Slack, Zendesk, Freshdesk, Intercom): verify, store once, work in a task."""

"""Webhook Inspector: receive, inspect and act on a card-issuing provider's webhook deliveries."""

__version__ = "0.1.0"

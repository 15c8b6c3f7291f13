"""Email: an outbox written with the change that causes it, delivered by a command."""

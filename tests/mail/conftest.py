"""A real SMTP server for the outbox tests."""

from tests.smtp import smtp_server  # noqa: F401 - a fixture

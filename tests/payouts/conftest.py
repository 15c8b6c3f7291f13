"""The exports' closed cycle, reused."""

from tests.exports.conftest import closed_cycle  # noqa: F401 - a fixture

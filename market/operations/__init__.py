"""Running a hub: the production readiness check, backups and restores."""

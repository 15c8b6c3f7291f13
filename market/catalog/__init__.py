"""Producers and their catalogue."""

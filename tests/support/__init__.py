"""Shared test helpers: the harness that runs the real application, update factories, a local Bot API."""

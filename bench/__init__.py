"""Benchmarks of the package index under gunicorn (never part of ``make test``); see README.md."""

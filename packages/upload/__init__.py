"""The upload API (``POST /legacy/``) as twine, uv, flit and hatch speak it."""

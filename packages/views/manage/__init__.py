"""``/manage/``: the maintainers' pages for their projects (see ``access`` for who sees what)."""

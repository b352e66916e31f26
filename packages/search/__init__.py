"""Project search: the index (``documents``), the query (``query``), classifier groups
(``filters``). The write path keeps the index current through ``packages.tasks``."""

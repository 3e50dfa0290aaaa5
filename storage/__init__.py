"""storage: the only place that speaks SQL (sqlite-utils over one SQLite file)."""

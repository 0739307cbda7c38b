"""Theme files for the review UI (TOML, one theme each); installed as the package approve.themes."""

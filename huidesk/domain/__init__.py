"""Pure values and rules: errors, vocabularies, dates, hours, figures, places, privacy, the inbound
models and the outbound records, lifecycles. It may import nothing of huidesk outside itself, and
never a database, a terminal or a file format."""

"""The thin Faust layer: topics, tables, timers and agents wired to the pure engines."""

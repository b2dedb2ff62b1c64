"""The `warta` command: one module per verb group; it asks the wiring for what it needs."""

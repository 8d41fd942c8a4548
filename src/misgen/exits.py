"""Exit codes, shared by the CLI layer and the commands (a module of its own: no import cycle)."""

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

"""Subcommands of the approve CLI, one module each: add_arguments(parser) and run(args)."""

"""One Typer app per command group; thin: parse, call the store, render."""

import typer


def group(help: str) -> typer.Typer:
    """A command group with plain help (rich help would import rich.table at start-up)."""
    return typer.Typer(help=help, rich_markup_mode=None, no_args_is_help=True, add_completion=False)

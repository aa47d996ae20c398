"""One Typer app per command group; thin: parse, make one call into the ledger or a report, render.
It may import every layer below (context, options, reports, exchange, ledger, render, domain), but
never sqlite3 nor a connection: SQL lives in huidesk.ledger."""

import typer


def group(help: str) -> typer.Typer:
    """A command group with plain help (rich help would import rich.table at start-up)."""
    return typer.Typer(help=help, rich_markup_mode=None, no_args_is_help=True, add_completion=False)

"""The web desk (`huidesk serve`, the extra `huidesk[serve]`): the same floor as huidesk/commands — a route
parses what was asked, makes one call (a report's `build` from a ReportSpec, a ledger listing, or one of
huidesk/actions.py's writes, the command line's own) and renders what comes back: HTML pages from the
package's templates, Open311 GeoReport v2 as JSON and XML. It never speaks SQL and never imports the
command line's modules; huidesk/cli.py wires both front doors.

Nothing here imports Starlette, uvicorn or Jinja2 at module level except the modules the server itself
loads (app.py, pages.py, open311.py), so `huidesk --help` and `huidesk serve --help` start without them.
"""

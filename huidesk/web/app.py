"""The desk's application: its routes (huidesk/web/pages.py, huidesk/web/open311.py, the sign-in link and the
stylesheet) behind its guards (huidesk/web/desk.py), and the Host header checked on loopback."""

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Route

from huidesk.web import open311, pages
from huidesk.web.desk import Desk, Guard, login, static


def create_app(desk: Desk) -> Starlette:
    """The desk's Starlette application."""
    routes = [
        Route("/login", login),
        Route("/static/{name:path}", static),
        *pages.routes(desk),
        *open311.routes(desk),
    ]
    app = Starlette(routes=routes, middleware=[
        Middleware(Guard),
        Middleware(TrustedHostMiddleware, allowed_hosts=desk.allowed_hosts()),
    ])
    app.state.desk = desk
    return app

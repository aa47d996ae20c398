"""Who may use the desk: one-time sign-in tokens (as Jupyter prints one), the sessions they are exchanged for,
each with its CSRF token, and the language gate that lets requests in one language run side by side.

A sign-in token is printed by `huidesk serve` in a URL; opening it once gives the browser an HttpOnly,
SameSite=Strict session cookie and the token is spent. Tokens and session ids are 256-bit random
strings; only their SHA-256 is held, so a memory dump of the server does not hand out live sessions.
A signed-in user may mint another one-time link (for a colleague, named), which names who records.
Sessions live in this process: a restart signs everyone out.
"""

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

COOKIE = "huidesk_session"
SESSION_SECONDS = 12 * 3600  # a working day, then sign in again
TOKEN_SECONDS = 24 * 3600  # an unused sign-in link expires


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass
class WebSession:
    """A signed-in browser: who records (`--by`), its CSRF token, its language and a message to show once."""

    user: str
    csrf: str
    lang: str
    expires: float
    flash: list[str] = field(default_factory=list)

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf.encode(), str(given).encode())


class Sessions:
    """The sign-in tokens not yet used and the live sessions, by the SHA-256 of their secret."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._tokens: dict[str, tuple[str, float]] = {}
        self._sessions: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    def issue(self, user: str) -> str:
        """A one-time sign-in token for `user`."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[_digest(token)] = (user, time.monotonic() + TOKEN_SECONDS)
        return token

    def exchange(self, token: str | None) -> tuple[str, WebSession] | None:
        """A new session (its id, the cookie's value, and the session) for an unused token; None otherwise.
        The token is spent either way."""
        if not token or len(token) > 100:
            return None
        with self._lock:
            found = self._tokens.pop(_digest(token), None)
            if found is None or found[1] < time.monotonic():
                return None
            sid = secrets.token_urlsafe(32)
            session = WebSession(found[0], secrets.token_urlsafe(32), self.lang, time.monotonic() + SESSION_SECONDS)
            self._sessions[_digest(sid)] = session
            return sid, session

    def get(self, sid: str | None) -> WebSession | None:
        """The live session of a cookie's value, or None."""
        if not sid or len(sid) > 100:
            return None
        key = _digest(sid)
        with self._lock:
            session = self._sessions.get(key)
            if session is not None and session.expires < time.monotonic():
                del self._sessions[key]
                return None
            return session

    def end(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._sessions.pop(_digest(sid), None)


class LanguageGate:
    """The language messages and labels are worded in is one per process (huidesk.domain.i18n): requests in
    the same language run side by side, a request in the other waits until those in flight are done."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._current: str | None = None
        self._active = 0

    @contextmanager
    def speaking(self, lang: str) -> Iterator[None]:
        from huidesk.domain.i18n import set_lang

        with self._cond:
            while self._active and self._current != lang:
                self._cond.wait()
            self._current = lang
            self._active += 1
            set_lang(lang)
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if not self._active:
                    self._cond.notify_all()


def loopback(host: str) -> bool:
    """Whether `host` is this machine only (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

"""Security headers on every answer, and the guard for redirects to a user-given address."""

from urllib.parse import unquote, urlsplit

from flask import Flask, Response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    app.after_request(security_headers)


def security_headers(response: Response) -> Response:
    """CSP (no inline script or style), no framing, no sniffing, no referrer to other sites.

    A view may set its own CSP (only /agenda/embed does, naming the origins that may frame it);
    X-Frame-Options, which cannot name origins, is sent only while framing is refused."""
    policy = response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if "frame-ancestors 'none'" in policy:
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def safe_next_url(target: str | None, default: str = "/") -> str:
    """Only local paths: one leading slash, no scheme, no host, no backslash tricks."""
    if not target:
        return default
    decoded = unquote(target).strip()
    if (not decoded.startswith("/") or decoded.startswith(("//", "/\\")) or "\\" in decoded
            or any(ord(c) < 32 for c in decoded)):
        return default
    parts = urlsplit(decoded)
    if parts.scheme or parts.netloc:
        return default
    return target

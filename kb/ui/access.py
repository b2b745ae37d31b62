"""Who may use the app from where: loopback or not, a login (KB_AUTH), the upload switch."""

from __future__ import annotations

import ipaddress

from kb import Settings, UsageError


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def upload_policy(settings: Settings) -> tuple[bool, str]:
    """Uploads are off unless KB_ALLOW_UPLOAD=1; off the loopback interface they need KB_AUTH."""
    if not settings.allow_upload:
        return False, ("Adding documents is turned off on this server. Whoever runs it can turn it "
                       "on with `KB_ALLOW_UPLOAD=1`.")
    if not is_loopback(settings.host) and not settings.auth:
        return False, (f"Adding documents is off: this server listens on `{settings.host}`, so "
                       "uploads need a login. Set `KB_AUTH=user:password` to turn them on.")
    return True, ""


def open_reading_warning(settings: Settings) -> str | None:
    """A warning when anyone on the network may read the knowledge base: a host other than
    loopback and no KB_AUTH. With KB_AUTH every page, API call and file needs a login."""
    if is_loopback(settings.host) or settings.auth:
        return None
    return (f"kb: WARNING: listening on {settings.host} without KB_AUTH: anyone who can reach "
            "this address can ask, search and open every stored document (/ask, /search, "
            "/similar, /file). If that is not intended, set KB_AUTH=user:password to require a "
            "login, or KB_HOST=127.0.0.1.")


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise UsageError("KB_AUTH must look like user:password")
    return user, password

"""Who sends an outbox message: a `Sender` per kind of message.

- `RecordingSmsSender`: the default for SMS; sends nothing, marks the message `recorded`
  (visible to the admin), for a town without an SMS gateway.
- `HttpGatewaySender`: posts each SMS to a configured gateway URL with a configured body template.
- `CallbackSender`: posts a channel's notice, signed, to the channel's callback URL.

HTTP goes through `urllib.request` with a short timeout, http(s) only, no proxies from the
environment, and no redirects followed (a 3xx is a failed attempt: a POST redirected elsewhere
is not delivered, and never to another host).
"""
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from string import Template
from typing import Protocol
from urllib.parse import quote, urlsplit

from .models import RECORDED, SENT

DEFAULT_TIMEOUT = 5.0
DEFAULT_SMS_TEMPLATE = '{"to": "$to", "text": "$text", "id": "$delivery_id"}'
SIGNATURE_HEADER = "X-Mediation-Signature"
EVENT_HEADER = "X-Mediation-Event-Id"
DELIVERY_HEADER = "X-Mediation-Delivery-Id"
TIMESTAMP_HEADER = "X-Mediation-Timestamp"
USER_AGENT = "mediation-outbox/1"


class DeliveryError(Exception):
    """This attempt failed; the message is tried again later (or given up)."""


@dataclass(frozen=True)
class Outgoing:
    """What a sender gets: the message, detached from the database."""

    kind: str
    target: str
    payload: dict
    event_id: str
    delivery_id: str
    attempt: int  # 1 on the first try
    now: datetime


class Sender(Protocol):
    def send(self, message: Outgoing) -> str:
        """Deliver `message`; return the status it ends in (`sent` or `recorded`), or raise DeliveryError."""


class RecordingSmsSender:
    """Sends nothing: the message stays in the outbox as `recorded`, for the admin to see."""

    def send(self, message: Outgoing) -> str:
        return RECORDED


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: HMAC-SHA256 of the raw body with the shared secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def check_url(url: str) -> str | None:
    """Why `url` cannot be posted to, or None."""
    problem = "Give an http:// or https:// address."
    try:  # a bracket left open ("http://[::1") or a port out of range or not a number is no address
        parts = urlsplit(url or "")
        host, _port = parts.hostname, parts.port
    except ValueError:
        return problem
    if parts.scheme not in ("http", "https") or not host:
        return problem
    return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises the 3xx as an HTTPError


def _opener() -> urllib.request.OpenerDirector:
    """http and https only (no file:, ftp:, data:), no environment proxies, no redirects."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler({}), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor(), _NoRedirects()):
        opener.add_handler(handler)
    return opener


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST `body`; the 2xx status, or DeliveryError saying what went wrong."""
    problem = check_url(url)
    if problem:
        raise DeliveryError(f"bad URL {url!r}: {problem}")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"User-Agent": USER_AGENT, **headers})
    try:
        with _opener().open(request, timeout=timeout) as response:
            response.read(1024)
            return response.status
    except urllib.error.HTTPError as err:
        where = err.headers.get("Location") if 300 <= err.code < 400 else None
        detail = f"redirect to {where!r} not followed" if where else err.read(200).decode("utf-8", "replace")
        raise DeliveryError(f"HTTP {err.code}: {detail}".strip()) from err
    except (urllib.error.URLError, OSError, ValueError) as err:  # refused, timed out, bad response
        reason = getattr(err, "reason", err)
        raise DeliveryError(f"{type(err).__name__}: {reason}") from err


class HttpGatewaySender:
    """An SMS gateway reached by one POST per message. The body is `template` (string.Template)
    with $to, $text, $event_id and $delivery_id filled in, escaped for the content type: inside
    JSON strings for application/json (and the result must be JSON), URL-quoted for forms."""

    def __init__(self, url: str, template: str = DEFAULT_SMS_TEMPLATE, *,
                 content_type: str = "application/json", timeout: float = DEFAULT_TIMEOUT,
                 headers: Mapping[str, str] | None = None):
        problem = check_url(url)
        if problem:
            raise ValueError(f"SMS_GATEWAY_URL: {problem}")
        self.url, self.template, self.content_type = url, Template(template), content_type
        self.timeout, self.headers = timeout, dict(headers or {})

    def body(self, message: Outgoing) -> bytes:
        values = {"to": message.target, "text": str(message.payload.get("text", "")),
                  "event_id": message.event_id, "delivery_id": message.delivery_id}
        if "json" in self.content_type:
            text = self.template.substitute({k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in values.items()})
            json.loads(text)  # a template that is not JSON is a configuration error, seen on the first try
        elif "x-www-form-urlencoded" in self.content_type:
            text = self.template.substitute({k: quote(v, safe="") for k, v in values.items()})
        else:
            text = self.template.substitute(values)
        return text.encode("utf-8")

    def send(self, message: Outgoing) -> str:
        try:
            body = self.body(message)
        except (KeyError, ValueError) as err:
            raise DeliveryError(f"SMS_GATEWAY_TEMPLATE: {type(err).__name__}: {err}") from err
        post(self.url, body, {"Content-Type": self.content_type, EVENT_HEADER: message.event_id,
                              DELIVERY_HEADER: message.delivery_id, **self.headers}, self.timeout)
        return SENT


@dataclass(frozen=True)
class Endpoint:
    url: str
    secret: str


class CallbackSender:
    """Posts the notice as JSON to the channel's callback, signed with its secret. `endpoint_for`
    finds the channel's active callback at sending time (None: not configured, try later)."""

    def __init__(self, endpoint_for: Callable[[str], Endpoint | None], *, timeout: float = DEFAULT_TIMEOUT):
        self.endpoint_for, self.timeout = endpoint_for, timeout

    @staticmethod
    def body(message: Outgoing) -> bytes:
        return json.dumps(message.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def send(self, message: Outgoing) -> str:
        channel = message.target.removeprefix("channel:")
        endpoint = self.endpoint_for(channel)
        if endpoint is None:
            raise DeliveryError(f"no active callback for channel {channel}")
        body = self.body(message)
        post(endpoint.url, body, {"Content-Type": "application/json; charset=utf-8",
                                  SIGNATURE_HEADER: sign(endpoint.secret, body),
                                  EVENT_HEADER: message.event_id, DELIVERY_HEADER: message.delivery_id,
                                  TIMESTAMP_HEADER: str(int(message.now.timestamp()))}, self.timeout)
        return SENT

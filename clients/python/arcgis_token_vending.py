"""Get ArcGIS tokens from an arcgis-token-vending deployment.

One module with no dependency but botocore (which boto3 brings along): copy it next to your code,
or ``pip install`` its folder. It asks ``GET {api}/token[/{target}]``, signed with SigV4 from
botocore's default credential chain, keeps answers in memory while their token stays valid, turns
the service's problem+json answers into typed exceptions, and retries once with a new token when
ArcGIS rejects one (498).

    client = TokenVendingClient("https://API_ID.execute-api.eu-west-1.amazonaws.com/v1/token")
    answer = client.get_token("maps", min_validity=600)
    requests.get(layer_url, auth=answer.requests_auth(), timeout=30)

Nothing this module raises or prints holds a token, a password or an AWS secret: messages name
the URL, the status and the service's own explanation, and ``repr(answer)`` leaves the token out.
Python 3.9 or later.
"""
from __future__ import annotations

import email.message
import email.utils
import http.client
import ipaddress
import json
import math
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, AbstractSet, Any, Callable, ClassVar, Dict, List, Mapping, Optional, Tuple, Type, TypeVar, cast

if TYPE_CHECKING:  # imported lazily at run time: neither is a dependency
    import requests.auth

__version__ = "0.1.0"

__all__ = [
    "TokenVendingClient",
    "TokenAnswer",
    "TokenUsage",
    "is_token_rejected",
    "PROBLEM_TYPE_BASE",
    "PROBLEM_ERRORS",
    "TokenVendingError",
    "TokenClientConfigError",
    "TokenRequestError",
    "TokenAnswerError",
    "TokenRejectedError",
    "ProblemError",
    "GatewayError",
    "ServiceMisconfiguredError",
    "CredentialsSecretError",
    "BadRequestError",
    "UnknownTargetError",
    "MethodNotAllowedError",
    "NotFoundError",
    "ArcGISRefusedError",
    "InvalidCredentialsError",
    "ArcGISBadResponseError",
    "TokenEndpointNotFoundError",
    "ArcGISUnreachableError",
    "TokenLifetimeError",
    "LoginPausedError",
    "InternalServiceError",
]

PROBLEM_TYPE_BASE = "urn:arcgis-token-vending:problem:"

# API Gateway ends an integration after 29 s: a request still open after 30 s gets no better answer.
DEFAULT_TIMEOUT_SECONDS = 30.0
# A cached token is handed out only while it stays valid this much longer than asked, so that it
# does not expire between this process and ArcGIS (clock skew, slow calls).
DEFAULT_CACHE_MARGIN_SECONDS = 60.0

# The service's own rule for target names (lambda/domain/config/schema.ts), checked before anything is sent.
_TARGET_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Regional and edge hosts (API_ID or API_ID-VPCE_ID) and VPC endpoint hosts name the Region after execute-api.
_EXECUTE_API_HOST = re.compile(r".*\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?")
# A Lambda Function URL (the function-url front door): signed for service lambda, not execute-api.
_FUNCTION_URL_HOST = re.compile(r"[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws")
# A token or an API key goes into an HTTP header: printable ASCII without spaces, so that it can
# neither split the header (CR, LF) nor make http.client raise an error that quotes the value.
# 8192 is far above any ArcGIS token and below API Gateway's 10 KB limit on request headers.
_HEADER_SAFE = re.compile(r"[\x21-\x7e]{1,8192}")
# Token answers are about 500 bytes; a body far larger is not the token service.
_MAX_BODY_BYTES = 1 << 20
_MAX_DETAIL_CHARS = 500
_USER_AGENT = "arcgis-token-vending-python/" + __version__
_ESRI_HEADER = "X-Esri-Authorization"

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Errors


class TokenVendingError(Exception):
    """Base class of everything this module raises."""


class TokenClientConfigError(TokenVendingError, ValueError):
    """The options or the environment cannot work (a URL that is not https, no Region, no AWS
    credentials, a bad target name or min_validity, a missing optional package). Nothing was sent."""


class TokenRequestError(TokenVendingError):
    """No answer: the connection failed, or the timeout ran out (``timed_out``)."""

    def __init__(self, url: str, timed_out: bool, message: str) -> None:
        super().__init__(message)
        self.url = url
        self.timed_out = timed_out


class TokenAnswerError(TokenVendingError):
    """A 200 answer that is not a token answer (a proxy's page, another API). Its body is not
    quoted: it might hold a token."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(message)
        self.url = url


class TokenRejectedError(TokenVendingError):
    """ArcGIS rejected the token again after the service was asked for a new one
    (:meth:`TokenVendingClient.call_with_token`). ``result`` is what the function returned the
    second time (None when it raised: that exception is the ``__cause__``)."""

    def __init__(self, message: str, target: Optional[str], result: Any) -> None:
        super().__init__(message)
        self.target = target
        self.result = result


class ProblemError(TokenVendingError):
    """The service, or API Gateway in front of it, answered an error.

    ``problem`` is the answer's RFC 9457 document (with extensions such as ``retryAt`` or
    ``arcgisCode``); ``type``, ``title``, ``status``, ``detail``, ``instance``, ``target`` and
    ``request_id`` are copied from it. ``retry_after`` is the ``Retry-After`` header in seconds,
    or None when the answer has none. A subclass per problem type (see ``PROBLEM_ERRORS``); an
    unknown type gets this class itself.
    """

    slug: ClassVar[Optional[str]] = None

    def __init__(self, url: str, problem: Mapping[str, Any], retry_after: Optional[int] = None) -> None:
        self.url = url
        self.problem: Dict[str, Any] = dict(problem)
        self.type: str = str(problem["type"])
        self.title: str = str(problem["title"])
        self.status: int = int(problem["status"])
        self.detail: Optional[str] = _optional_str(problem.get("detail"))
        self.instance: Optional[str] = _optional_str(problem.get("instance"))
        self.target: Optional[str] = _optional_str(problem.get("target"))
        self.request_id: Optional[str] = _optional_str(problem.get("requestId"))
        self.retry_after = retry_after
        kind = "" if self.type == "about:blank" else f" ({self.type})"
        detail = f": {self.detail}" if self.detail else ""
        wait = f" Retry after {retry_after} s." if retry_after is not None else ""
        super().__init__(f"GET {url} answered {self.status} {self.title}{kind}{detail}{wait}")


class GatewayError(ProblemError):
    """API Gateway refused the request before the service ran (``type`` about:blank): 403 for a
    missing or bad signature or an IAM deny, 429 when throttled, 504 when the function took too long."""


class ServiceMisconfiguredError(ProblemError):
    """The service itself is set up wrongly (a missing or invalid setting): its operator must fix it."""

    slug = "misconfiguration"


class CredentialsSecretError(ProblemError):
    """The service's ArcGIS credentials secret is missing, unreadable or not the expected JSON."""

    slug = "credentials-secret"


class BadRequestError(ProblemError):
    """The service refused the request (for example a min_validity longer than the target's tokens live)."""

    slug = "bad-request"


class UnknownTargetError(ProblemError):
    """No target of that name; ``detail`` lists the configured ones."""

    slug = "unknown-target"


class MethodNotAllowedError(ProblemError):
    slug = "method-not-allowed"


class NotFoundError(ProblemError):
    """Nothing is served at that path (the local server's answer to a wrong URL)."""

    slug = "not-found"


class ArcGISRefusedError(ProblemError):
    """ArcGIS refused to issue a token; ``arcgis_code``, ``arcgis_message`` and ``arcgis_details`` are its error."""

    slug = "arcgis-refused"

    def __init__(self, url: str, problem: Mapping[str, Any], retry_after: Optional[int] = None) -> None:
        super().__init__(url, problem, retry_after)
        self.arcgis_code: Optional[int] = _optional_int(problem.get("arcgisCode"))
        self.arcgis_message: Optional[str] = _optional_str(problem.get("arcgisMessage"))
        details = problem.get("arcgisDetails")
        self.arcgis_details: List[str] = [str(d) for d in details] if isinstance(details, list) else []


class InvalidCredentialsError(ArcGISRefusedError):
    """ArcGIS rejected the stored user name and password; the service pauses logins for this target."""

    slug = "invalid-credentials"


class ArcGISBadResponseError(ProblemError):
    """ArcGIS answered something that is not a token (an HTML page, garbage); ``http_status`` is its status."""

    slug = "arcgis-bad-response"

    def __init__(self, url: str, problem: Mapping[str, Any], retry_after: Optional[int] = None) -> None:
        super().__init__(url, problem, retry_after)
        self.http_status: Optional[int] = _optional_int(problem.get("httpStatus"))


class TokenEndpointNotFoundError(ProblemError):
    """Discovery found no token endpoint; ``attempts`` lists each URL tried and what it answered."""

    slug = "token-endpoint-not-found"

    def __init__(self, url: str, problem: Mapping[str, Any], retry_after: Optional[int] = None) -> None:
        super().__init__(url, problem, retry_after)
        attempts = problem.get("attempts")
        self.attempts: List[Dict[str, Any]] = [dict(a) for a in attempts if isinstance(a, dict)] if isinstance(attempts, list) else []


class ArcGISUnreachableError(ProblemError):
    """The service could not reach ArcGIS (DNS, connection, TLS or timeout)."""

    slug = "arcgis-unreachable"


class TokenLifetimeError(ProblemError):
    """ArcGIS issued a token that expires too soon for the validity asked (the site caps lifetimes)."""

    slug = "token-lifetime-too-short"


class LoginPausedError(ProblemError):
    """Logins for this target are paused after ArcGIS rejected its credentials. ``retry_at`` is when
    the pause ends (``retry_after`` the seconds until then); fixing the secret ends it sooner."""

    slug = "login-paused"

    def __init__(self, url: str, problem: Mapping[str, Any], retry_after: Optional[int] = None) -> None:
        super().__init__(url, problem, retry_after)
        self.retry_at: Optional[datetime] = _parse_iso_datetime(problem.get("retryAt"))
        self.arcgis_code: Optional[int] = _optional_int(problem.get("arcgisCode"))
        self.arcgis_message: Optional[str] = _optional_str(problem.get("arcgisMessage"))


class InternalServiceError(ProblemError):
    """An unexpected error in the service; its log has the details under ``request_id``."""

    slug = "internal"


#: The class raised for each problem type slug (``urn:arcgis-token-vending:problem:<slug>``).
PROBLEM_ERRORS: Dict[str, Type[ProblemError]] = {
    cls.slug: cls
    for cls in (
        ServiceMisconfiguredError,
        CredentialsSecretError,
        BadRequestError,
        UnknownTargetError,
        MethodNotAllowedError,
        NotFoundError,
        ArcGISRefusedError,
        InvalidCredentialsError,
        ArcGISBadResponseError,
        TokenEndpointNotFoundError,
        ArcGISUnreachableError,
        TokenLifetimeError,
        LoginPausedError,
        InternalServiceError,
    )
    if cls.slug is not None
}


def _problem_error(url: str, problem: Mapping[str, Any], retry_after: Optional[int]) -> ProblemError:
    kind = str(problem["type"])
    if kind == "about:blank":
        return GatewayError(url, problem, retry_after)
    cls = PROBLEM_ERRORS.get(kind[len(PROBLEM_TYPE_BASE):]) if kind.startswith(PROBLEM_TYPE_BASE) else None
    return (cls or ProblemError)(url, problem, retry_after)


# --------------------------------------------------------------------------------------------
# Token answers


@dataclass(frozen=True)
class TokenUsage:
    """How to present the token: the header and scheme, the query parameter, and the Referer a
    referer-bound token needs (ArcGIS answers 498 without exactly that header)."""

    header: str
    scheme: str
    parameter: str
    https_only: bool
    referer_header: Optional[str] = None


@dataclass(frozen=True)
class TokenAnswer:
    """The service's answer. ``expires`` is ms since 1970 (as ArcGIS gives it). ``repr`` leaves the token out."""

    token: str = field(repr=False)
    expires: int
    expires_at: str
    ssl: bool
    target: str
    client: str
    usage: TokenUsage
    source: str
    stale: bool
    referer: Optional[str] = None
    ip: Optional[str] = None
    stale_reason: Optional[str] = None

    def seconds_left(self, now: Optional[float] = None) -> float:
        """Seconds until the token expires (negative once it has)."""
        return self.expires / 1000.0 - (time.time() if now is None else now)

    def headers(self) -> Dict[str, str]:
        """``X-Esri-Authorization: Bearer TOKEN`` (what Esri recommends over ``?token=``, which
        access logs record) and the ``Referer`` a referer-bound token needs: for any HTTP client."""
        headers = {_ESRI_HEADER: f"Bearer {self.token}"}
        if self.usage.referer_header is not None:
            headers["Referer"] = self.usage.referer_header
        return headers

    def requests_auth(self) -> "requests.auth.AuthBase":
        """An auth for ``requests`` that sends this token (``requests.get(url, auth=...)``).
        For a long-running session prefer :meth:`TokenVendingClient.requests_auth`, which
        renews the token."""
        return _requests_auth_class()(lambda: self)


_CLIENT_VALUES = frozenset({"referer", "ip", "requestip", "none", "unknown"})
_SOURCE_VALUES = frozenset({"cache", "generated", "manual"})


def _parse_answer(body: Any) -> Tuple[Optional[TokenAnswer], List[str]]:
    """The answer, or the paths of the fields that are wrong (never their values: one could be a token)."""
    if not isinstance(body, dict):
        return None, ["(body)"]
    bad: List[str] = []
    usage = body.get("usage")
    if not isinstance(usage, dict):
        # One finding for the whole member; its fields are then read from nothing, silently.
        bad.append("usage")

    def take(source: Any, name: str, check: Callable[[Any], bool], path: str = "", optional: bool = False) -> Any:
        if not isinstance(source, dict):
            return None
        value = source.get(name)
        if value is None and optional:
            return None
        if not check(value):
            bad.append(path + name)
        return value

    # A token goes into a header: one with spaces or control characters would make the HTTP
    # library raise an error that quotes it (issue 12 saw exactly that in the service's logs).
    token = take(body, "token", _is_header_safe)
    expires = take(body, "expires", _is_positive_int)
    expires_at = take(body, "expiresAt", _is_str)
    ssl = take(body, "ssl", _is_bool)
    target = take(body, "target", _is_str)
    client = take(body, "client", _one_of(_CLIENT_VALUES))
    referer = take(body, "referer", _is_str, optional=True)
    ip = take(body, "ip", _is_str, optional=True)
    source = take(body, "source", _one_of(_SOURCE_VALUES))
    stale = take(body, "stale", _is_bool)
    stale_reason = take(body, "staleReason", _is_str, optional=True)
    header = take(usage, "header", _ESRI_HEADER.__eq__, "usage.")
    scheme = take(usage, "scheme", "Bearer".__eq__, "usage.")
    parameter = take(usage, "parameter", "token".__eq__, "usage.")
    referer_header = take(usage, "refererHeader", _is_str, "usage.", optional=True)
    https_only = take(usage, "httpsOnly", _is_bool, "usage.")
    if bad:
        return None, bad
    return (
        TokenAnswer(
            token=token,
            expires=expires,
            expires_at=expires_at,
            ssl=ssl,
            target=target,
            client=client,
            usage=TokenUsage(header=header, scheme=scheme, parameter=parameter, https_only=https_only, referer_header=referer_header),
            source=source,
            stale=stale,
            referer=referer,
            ip=ip,
            stale_reason=stale_reason,
        ),
        [],
    )


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_header_safe(value: Any) -> bool:
    return isinstance(value, str) and _HEADER_SAFE.fullmatch(value) is not None


def _one_of(values: AbstractSet[str]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and value in values


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


# --------------------------------------------------------------------------------------------
# ArcGIS's 498


def is_token_rejected(result: Any) -> bool:
    """True when ``result`` is ArcGIS saying 498 Invalid Token.

    ArcGIS usually answers HTTP 200 with ``{"error": {"code": 498, ...}}``; some servers send 498
    as the HTTP status; the Server Administrator API answers ``{"status": "error", "code": 498}``.
    Understood: a parsed JSON ``dict``, JSON text (``str`` or ``bytes``), and a ``requests``
    response (its status, then its body). Anything else is not a rejection.
    """
    status = getattr(result, "status_code", None)
    if isinstance(status, int) and not isinstance(status, bool):
        if status == 498:
            return True
        content = getattr(result, "content", None)
        return isinstance(content, (bytes, str)) and _json_rejects(content)
    if isinstance(result, dict):
        return _body_rejects(result)
    if isinstance(result, (bytes, str)):
        return _json_rejects(result)
    return False


def _json_rejects(text: Any) -> bool:
    if len(text) > _MAX_BODY_BYTES:
        return False
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(body, dict) and _body_rejects(body)


def _body_rejects(body: Mapping[str, Any]) -> bool:
    error = body.get("error")
    if isinstance(error, dict) and _is_498(error.get("code")):
        return True
    return body.get("status") == "error" and _is_498(body.get("code"))


def _is_498(code: Any) -> bool:
    # Servers spell it 498 or "498".
    return (isinstance(code, int) and not isinstance(code, bool) and code == 498) or code == "498"


def _exception_rejects(error: BaseException) -> bool:
    """urllib's HTTPError 498, or requests' HTTPError (raise_for_status) on a 498 response."""
    if isinstance(error, urllib.error.HTTPError):
        return error.code == 498
    response = getattr(error, "response", None)
    return response is not None and getattr(response, "status_code", None) == 498


# --------------------------------------------------------------------------------------------
# The client


class _Flight:
    """One request under way; callers that can use its answer wait for it instead of asking again."""

    __slots__ = ("min_validity", "rejected", "done", "answer", "error")

    def __init__(self, min_validity: int, rejected: Optional[str]) -> None:
        self.min_validity = min_validity
        self.rejected = rejected
        self.done = threading.Event()
        self.answer: Optional[TokenAnswer] = None
        self.error: Optional[BaseException] = None


class TokenVendingClient:
    """A client for one deployment of the token service, with an in-memory cache.

    ``api_url`` is the stack's ApiUrl output (``https://API_ID.execute-api.REGION.amazonaws.com/v1/token``)
    or its stage URL (``…/v1``), or the local server of ``npm start`` (``http://127.0.0.1:3000``).

    How requests are authorized:

    - by default, SigV4 (service ``execute-api``) with botocore's default credential chain
      (environment, shared config and credentials files and profiles, SSO, web identity, container
      and instance roles), or with ``credentials`` (e.g. ``boto3.Session(profile_name=...).get_credentials()``);
    - ``api_key=``: sent as ``x-api-key`` instead (deployments with ``auth=apiKey``);
    - not at all for plain ``http://`` on loopback (127.0.0.0/8, ::1, localhost): the local server
      has no authentication. ``sign=True`` signs there too (a gateway stand-in); ``sign=False``
      is only accepted for loopback.

    The Region to sign for: ``region``, else the one in an execute-api host, else ``AWS_REGION``,
    else botocore's configured Region (``AWS_DEFAULT_REGION``, the profile).

    The cache: an answer is reused while its token stays valid for the caller's min_validity plus
    ``cache_margin`` seconds; a caller asking while a request for the same target (covering its
    min_validity) is under way waits for that request instead of sending another; a failed
    request is not remembered; a ``stale`` answer is handed out but not kept. Thread-safe.

    ``timeout`` (seconds) bounds connecting and each read. ``clock`` (seconds since 1970) is for tests.
    """

    def __init__(
        self,
        api_url: str,
        *,
        region: Optional[str] = None,
        credentials: Any = None,
        api_key: Optional[str] = None,
        sign: Optional[bool] = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        cache_margin: float = DEFAULT_CACHE_MARGIN_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._endpoint = _token_endpoint(api_url)
        parts = urllib.parse.urlsplit(self._endpoint)
        loopback = _is_loopback(parts.hostname or "")
        if not _is_positive_number(timeout):
            raise TokenClientConfigError(f"timeout must be a number of seconds above 0, got {timeout!r}.")
        if not (_is_positive_number(cache_margin) or (_is_number(cache_margin) and cache_margin == 0)):
            raise TokenClientConfigError(f"cache_margin must be a number of seconds (0 or more), got {cache_margin!r}.")
        self._timeout = float(timeout)
        self._margin_ms = float(cache_margin) * 1000.0
        self._clock = clock
        self._authorizer = _choose_authorizer(parts, loopback, region, credentials, api_key, sign)
        # Loopback goes direct: an HTTP(S)_PROXY for the outside world must not see local tokens.
        proxies = urllib.request.ProxyHandler({}) if loopback else urllib.request.ProxyHandler()
        self._opener = urllib.request.build_opener(proxies, _RefuseRedirects())
        self._lock = threading.Lock()
        self._answers: Dict[str, TokenAnswer] = {}
        self._flights: Dict[str, List[_Flight]] = {}

    def __repr__(self) -> str:
        return f"TokenVendingClient({self._endpoint!r}, auth={self._authorizer.describe()})"

    @property
    def endpoint(self) -> str:
        """The URL of ``GET /token`` that requests go to."""
        return self._endpoint

    def get_token(self, target: Optional[str] = None, min_validity: int = 0, rejected: Optional[str] = None) -> TokenAnswer:
        """A token for ``target`` (default: the service's default target) that stays valid for at
        least ``min_validity`` seconds (sent as ``?minValidity=`` when above 0).

        ``rejected``: a token ArcGIS answered 498 to. It is sent as the ``X-Rejected-Token`` header
        (never in the URL, which access logs record), so that the service can check and replace
        it, and the cache is bypassed: a cached answer is only reused if its token is not the
        rejected one (another thread already got the replacement).

        :raises ProblemError: (a subclass per problem type) the service or API Gateway answered an error
        :raises TokenRequestError: no answer (connection failed, timeout)
        :raises TokenAnswerError: a 200 answer that is not a token answer
        :raises TokenClientConfigError: unusable arguments or no AWS credentials; nothing was sent
        """
        _check_target(target)
        _check_min_validity(min_validity)
        if rejected is not None and not _is_header_safe(rejected):
            length = len(rejected) if isinstance(rejected, str) else None
            # The value itself is never quoted: it is (or might be) a token.
            raise TokenClientConfigError(
                "rejected must be the token ArcGIS rejected: 1-8192 printable ASCII characters without spaces"
                + (f"; got {length} characters that are not." if length is not None else f"; got a {type(rejected).__name__}.")
            )
        key = target or ""
        with self._lock:
            kept = self._answers.get(key)
            if rejected is not None and kept is not None and kept.token == rejected:
                # Dead: nobody may be handed it again, whoever asks next.
                del self._answers[key]
                kept = None
            if kept is not None and kept.expires - self._clock() * 1000.0 > min_validity * 1000.0 + self._margin_ms:
                return kept
            flights = self._flights.setdefault(key, [])
            # A report of a rejected token waits only for a request that carries the same report:
            # any other request could bring back the dead token from the service's cache.
            joined = next((f for f in flights if f.min_validity >= min_validity and (rejected is None or f.rejected == rejected)), None)
            leader = joined is None
            flight = _Flight(min_validity, rejected) if joined is None else joined
            if leader:
                flights.append(flight)
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            assert flight.answer is not None
            return flight.answer
        try:
            answer = self._request(target, min_validity, rejected)
            with self._lock:
                if not answer.stale:
                    kept = self._answers.get(key)
                    if kept is None or kept.expires <= answer.expires:
                        self._answers[key] = answer
            flight.answer = answer
            return answer
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._lock:
                self._flights[key].remove(flight)
                if not self._flights[key]:
                    del self._flights[key]
            flight.done.set()

    def call_with_token(
        self,
        fn: Callable[[TokenAnswer], T],
        target: Optional[str] = None,
        min_validity: int = 0,
        is_rejected: Optional[Callable[[T], bool]] = None,
    ) -> T:
        """``fn(answer)``, retried once with a new token when ArcGIS rejects the token (498).

        Rejection is what ``is_rejected(result)`` says (default :func:`is_token_rejected`: a 498
        in a JSON body, a requests response or as its status), or ``fn`` raising urllib's or
        requests' HTTPError for a 498. Then the service is asked for a new token with
        ``rejected=`` the old one, and ``fn`` runs once more. Never more than twice: a token
        that fails at once is bound to another Referer or address, or comes from the wrong
        dispenser, and asking again would not help.

        :raises TokenRejectedError: ArcGIS rejected the second token too
        """
        check: Callable[[T], bool] = is_rejected or is_token_rejected
        answer = self.get_token(target, min_validity)
        result, raised, rejected = _attempt(fn, answer, check)
        if not rejected:
            return cast(T, result)  # fn returned normally: its result is a T
        if isinstance(raised, urllib.error.HTTPError):
            raised.close()  # dropped for the retry: its connection must not wait for the garbage collector
        renewed = self.get_token(target, min_validity, rejected=answer.token)
        result, raised, rejected = _attempt(fn, renewed, check)
        if not rejected:
            return cast(T, result)
        name = f'target "{target}"' if target is not None else "the default target"
        same = "the service handed out the same token again" if renewed.token == answer.token else "the new token was rejected too"
        error = TokenRejectedError(
            f"ArcGIS rejected the token for {name} (498), and after asking the service for a new one {same}. "
            "A token that fails at once is usually bound to another Referer or address than the request sends "
            "(send answer.headers(), or use requests_auth()), or comes from the wrong dispenser for this service "
            "(a standalone server's token on a portal, or a portal token on a federated server without exchange).",
            target,
            result,
        )
        if raised is not None:
            raise error from raised
        raise error

    def requests_auth(self, target: Optional[str] = None, min_validity: int = 0) -> "requests.auth.AuthBase":
        """An auth for ``requests`` that asks this client for the token on every request (a cache
        hit almost always), so a long-lived ``Session`` never sends an expired token."""
        _check_target(target)
        _check_min_validity(min_validity)
        return _requests_auth_class()(lambda: self.get_token(target, min_validity))

    def arcgis_gis(self, url: str, target: Optional[str] = None, min_validity: int = 0, **kwargs: Any) -> Any:
        """``arcgis.gis.GIS(url, token=..., referer=..., **kwargs)`` from the ArcGIS API for Python.

        The GIS keeps the token it was given and does not renew it: ask for a ``min_validity``
        that covers the script, and create a new GIS for a longer one. The target must hand out
        tokens of that portal (a portal token, not a standalone server's).
        """
        try:
            from arcgis.gis import GIS  # optional, never a dependency
        except ImportError:
            raise TokenClientConfigError("arcgis_gis() needs the ArcGIS API for Python, which is not installed: pip install arcgis.") from None
        answer = self.get_token(target, min_validity)
        options: Dict[str, Any] = {"token": answer.token}
        if answer.usage.referer_header is not None:
            options["referer"] = answer.usage.referer_header
        options.update(kwargs)
        return GIS(url, **options)

    def _request(self, target: Optional[str], min_validity: int, rejected: Optional[str]) -> TokenAnswer:
        url = self._endpoint + (f"/{target}" if target is not None else "")
        if min_validity > 0:
            url += "?" + urllib.parse.urlencode({"minValidity": min_validity})
        headers = self._authorizer.headers(url, {"Accept": "application/json"})
        if rejected is not None:
            # Added after signing, so that the signer's debug log (botocore logs the canonical
            # request, signed header values included) never holds the token.
            headers["X-Rejected-Token"] = rejected
        headers["User-Agent"] = _USER_AGENT
        status, reason, answer_headers, body = self._fetch(url, headers)
        if status != 200:
            problem = _problem_from_answer(status, reason, body)
            if rejected is not None:
                problem = _redact(problem, rejected)
            raise _problem_error(url, problem, _retry_after(answer_headers.get("Retry-After"), self._clock()))
        try:
            parsed = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            kind = answer_headers.get("Content-Type") or "no content type"
            raise TokenAnswerError(url, f"GET {url} answered 200 with {kind} that is not JSON: is this the token service's URL?") from None
        answer, bad = _parse_answer(parsed)
        if answer is None:
            raise TokenAnswerError(url, f"GET {url} answered 200 with JSON that is not a token answer (bad or missing: {', '.join(bad)}): is this the token service's URL?")
        return answer

    def _fetch(self, url: str, headers: Dict[str, str]) -> Tuple[int, str, email.message.Message, bytes]:
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            try:
                with self._opener.open(request, timeout=self._timeout) as response:
                    return response.status, response.reason or "", response.headers, _read_limited(response)
            except urllib.error.HTTPError as error:
                with error:
                    return error.code, error.reason or "", error.headers, _read_limited(error)
        except urllib.error.URLError as error:
            if isinstance(error.reason, socket.timeout):
                raise TokenRequestError(url, True, f"GET {url} did not answer within {self._timeout:g} s.") from error
            raise TokenRequestError(url, False, f"GET {url} failed: {_describe_reason(error.reason)}.") from error
        except socket.timeout as error:  # a read that timed out (socket.timeout is TimeoutError on 3.10+)
            raise TokenRequestError(url, True, f"GET {url} did not answer within {self._timeout:g} s.") from error
        except (http.client.HTTPException, OSError) as error:
            raise TokenRequestError(url, False, f"GET {url} failed: {_describe_reason(error)}.") from error


def _attempt(fn: Callable[[TokenAnswer], Any], answer: TokenAnswer, check: Callable[[Any], bool]) -> Tuple[Any, Optional[Exception], bool]:
    """fn's result (None when it raised a rejection), that exception, and whether ArcGIS rejected the token."""
    try:
        result = fn(answer)
    except Exception as error:
        if _exception_rejects(error):
            return None, error, True
        raise
    return result, None, check(result)


# --------------------------------------------------------------------------------------------
# Authorization of the request to the token service


class _Authorizer:
    def headers(self, url: str, headers: Dict[str, str]) -> Dict[str, str]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class _Unsigned(_Authorizer):
    def headers(self, url: str, headers: Dict[str, str]) -> Dict[str, str]:
        return dict(headers)

    def describe(self) -> str:
        return "'none'"


class _ApiKey(_Authorizer):
    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def headers(self, url: str, headers: Dict[str, str]) -> Dict[str, str]:
        return {**headers, "x-api-key": self._api_key}

    def describe(self) -> str:
        return "'api-key'"


class _SigV4(_Authorizer):
    """SigV4 for API Gateway with botocore's signer and credential chain. The chain is resolved
    at the first request (not at import or construction), and each request takes a frozen copy,
    so that role credentials refresh as botocore refreshes them."""

    def __init__(self, region: str, credentials: Any, session: Any, service: str = "execute-api") -> None:
        self._region = region
        self._service = service
        self._credentials = credentials
        self._session = session
        self._lock = threading.Lock()

    def describe(self) -> str:
        return f"'sigv4', region={self._region!r}, service={self._service!r}"

    def _resolve(self) -> Any:
        with self._lock:
            if self._credentials is None:
                try:
                    self._credentials = self._session.get_credentials()
                except Exception as error:  # a profile, SSO session or role that fails: botocore's message names it
                    raise TokenClientConfigError(f"botocore could not load AWS credentials: {error}") from error
                if self._credentials is None:
                    raise TokenClientConfigError(
                        "No AWS credentials to sign the request: botocore's default chain found none "
                        "(environment variables, shared credentials and config files, SSO, container or instance role). "
                        "Configure one (aws configure, AWS_PROFILE, a role), or pass credentials=. Nothing was sent."
                    )
            return self._credentials

    def headers(self, url: str, headers: Dict[str, str]) -> Dict[str, str]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        try:
            frozen = self._resolve().get_frozen_credentials()
        except TokenClientConfigError:
            raise
        except Exception as error:
            raise TokenClientConfigError(f"botocore could not refresh the AWS credentials: {error}") from error
        request = AWSRequest(method="GET", url=url, headers=dict(headers))
        SigV4Auth(frozen, self._service, self._region).add_auth(request)
        return {name: value for name, value in request.headers.items()}


def _choose_authorizer(
    parts: urllib.parse.SplitResult, loopback: bool, region: Optional[str], credentials: Any, api_key: Optional[str], sign: Optional[bool]
) -> _Authorizer:
    if sign is not None and not isinstance(sign, bool):
        raise TokenClientConfigError(f"sign must be True, False or None (decide from the URL), got {sign!r}.")
    if api_key is not None:
        if sign is True:
            raise TokenClientConfigError("Give api_key or sign=True, not both: an API-key deployment takes the key instead of a signature.")
        if not _is_header_safe(api_key):
            raise TokenClientConfigError("api_key must be the API key: 1-8192 printable ASCII characters without spaces.")
        return _ApiKey(api_key)
    if sign is False or (sign is None and loopback and parts.scheme == "http"):
        if not loopback:
            raise TokenClientConfigError(
                f"sign=False sends unsigned requests, which only the local server (npm start, on 127.0.0.1 or localhost) accepts; "
                f"{parts.hostname} needs SigV4 (leave sign unset) or api_key=."
            )
        return _Unsigned()
    if credentials is not None and not callable(getattr(credentials, "get_frozen_credentials", None)):
        raise TokenClientConfigError(
            f"credentials must be botocore credentials, e.g. boto3.Session(profile_name=...).get_credentials(); got a {type(credentials).__name__}."
        )
    try:
        import botocore.session
    except ImportError:
        raise TokenClientConfigError("Signing requests needs botocore, which is not installed: pip install botocore (or boto3).") from None
    session = botocore.session.Session()
    service = "lambda" if _FUNCTION_URL_HOST.fullmatch(parts.hostname or "") else "execute-api"
    return _SigV4(_signing_region(parts, region, session), credentials, session, service)


def _signing_region(parts: urllib.parse.SplitResult, region: Optional[str], session: Any) -> str:
    if region is not None:
        if not isinstance(region, str) or not re.fullmatch(r"[a-z]{2}(?:-[a-z]+)+-\d+", region):
            raise TokenClientConfigError(f"region must be an AWS Region name such as eu-west-1, got {region!r}.")
        return region
    host = _EXECUTE_API_HOST.fullmatch(parts.hostname or "") or _FUNCTION_URL_HOST.fullmatch(parts.hostname or "")
    if host is not None:
        return host.group(1)
    configured = os.environ.get("AWS_REGION") or session.get_config_variable("region")
    if configured:
        return str(configured)
    raise TokenClientConfigError(
        f"No Region to sign for: {parts.hostname} is neither an execute-api nor a lambda-url host; pass region= (or set AWS_REGION) to the Region the API is deployed in."
    )


# --------------------------------------------------------------------------------------------
# requests


_REQUESTS_AUTH: Optional[type] = None


def _requests_auth_class() -> type:
    """The AuthBase subclass, defined at first use so that requests is never a dependency."""
    global _REQUESTS_AUTH
    if _REQUESTS_AUTH is not None:
        return _REQUESTS_AUTH
    try:
        import requests.auth
    except ImportError:
        raise TokenClientConfigError("requests_auth() needs the requests package, which is not installed: pip install requests, or send answer.headers() with your HTTP client.") from None

    class ArcGISTokenAuth(requests.auth.AuthBase):  # type: ignore[misc, unused-ignore]  # Any without requests' stubs
        """Sets ``X-Esri-Authorization: Bearer TOKEN`` and the ``Referer`` the token is bound to."""

        def __init__(self, answer: Callable[[], TokenAnswer]) -> None:
            self._answer = answer

        def __call__(self, request: Any) -> Any:
            answer = self._answer()
            if answer.usage.https_only and urllib.parse.urlsplit(request.url).scheme != "https":
                # ssl: true means ArcGIS accepts this token only over https; in clear it is exposed for nothing.
                raise TokenClientConfigError(f"Refusing to send an https-only token over {urllib.parse.urlsplit(request.url).scheme}:// to {urllib.parse.urlsplit(request.url).netloc}: use the https:// URL.")
            request.headers.update(answer.headers())
            request.register_hook("response", _forget_token_on_foreign_redirect)
            return request

        def __repr__(self) -> str:
            return "ArcGISTokenAuth()"

    _REQUESTS_AUTH = ArcGISTokenAuth
    return ArcGISTokenAuth


def _forget_token_on_foreign_redirect(response: Any, **_: Any) -> Any:
    """requests strips Authorization on a redirect to another host, but not X-Esri-Authorization:
    a site behind SAML answers with a redirect to its identity provider, which must not get the
    token. Removing the header from the request that requests copies for the redirect does it."""
    if response.is_redirect:
        location = urllib.parse.urljoin(response.url, response.headers.get("location", ""))
        if _origin(location) != _origin(response.request.url):
            response.request.headers.pop(_ESRI_HEADER, None)
    return response


# --------------------------------------------------------------------------------------------
# URLs, answers and small checks


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error it is: following it would send the signature, the API
    key or a rejected token to wherever the Location header points."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


def _token_endpoint(api_url: Any) -> str:
    if not isinstance(api_url, str):
        raise TokenClientConfigError(f"api_url must be a string (the stack's ApiUrl output), got a {type(api_url).__name__}.")
    try:
        parts = urllib.parse.urlsplit(api_url.strip())
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise TokenClientConfigError(
            f'api_url "{api_url}" is not an http(s) URL: give the stack\'s ApiUrl output, e.g. https://API_ID.execute-api.eu-west-1.amazonaws.com/v1/token.'
        )
    hostname = parts.hostname
    # The answer is a token: it must not travel in clear, except to a local server on this machine.
    if parts.scheme != "https" and not _is_loopback(hostname):
        raise TokenClientConfigError(f"api_url must use https:// (plain http:// only to 127.0.0.1 or localhost), got http://{parts.netloc}.")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise TokenClientConfigError("api_url must not carry a query string, a fragment or user info: pass target and min_validity to get_token().")
    # The Host header urllib sends must be the one signed: without the scheme's default port.
    host = f"[{hostname}]" if ":" in hostname else hostname
    netloc = host if port is None or port == (443 if parts.scheme == "https" else 80) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    if not path.endswith("/token"):
        path += "/token"
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, "", ""))


def _is_loopback(hostname: str) -> bool:
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _origin(url: str) -> Tuple[str, str, Optional[int]]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"https": 443, "http": 80}.get(scheme)


def _check_target(target: Any) -> None:
    if target is not None and (not isinstance(target, str) or not _TARGET_NAME.fullmatch(target)):
        raise TokenClientConfigError(f'target "{target}" is not a target name: 1-64 letters, digits, "-" or "_".')


def _check_min_validity(min_validity: Any) -> None:
    if not isinstance(min_validity, int) or isinstance(min_validity, bool) or min_validity < 0:
        raise TokenClientConfigError(f"min_validity must be a whole number of seconds (0 or more), got {min_validity!r}.")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_positive_number(value: Any) -> bool:
    return _is_number(value) and value > 0


def _read_limited(response: Any) -> bytes:
    body: bytes = response.read(_MAX_BODY_BYTES + 1)
    return body[:_MAX_BODY_BYTES]


def _describe_reason(reason: Any) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return f"{reason.strerror} ({type(reason).__name__})"
    return str(reason) or type(reason).__name__


def _problem_from_answer(status: int, reason: str, body: bytes) -> Dict[str, Any]:
    """The problem document of a non-200 answer. A body that is not one (API Gateway's
    ``{"message": …}``, a proxy's HTML page) becomes an ``about:blank`` problem with the HTTP
    status phrase as its title, as RFC 9457 prescribes, and the message (or the start of the
    text) as its detail."""
    text = body.decode("utf-8", errors="replace")
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        parsed = None
    if (
        isinstance(parsed, dict)
        and isinstance(parsed.get("type"), str)
        and isinstance(parsed.get("title"), str)
        and isinstance(parsed.get("status"), int)
        and not isinstance(parsed.get("status"), bool)
        and isinstance(parsed.get("detail", ""), str)
    ):
        return parsed
    problem: Dict[str, Any] = {"type": "about:blank", "title": reason or http.client.responses.get(status, f"HTTP {status}"), "status": status}
    message = None
    if isinstance(parsed, dict):
        message = next((parsed[k] for k in ("message", "Message") if isinstance(parsed.get(k), str)), None)
    detail = message if message is not None else text.strip()[:_MAX_DETAIL_CHARS]
    if detail:
        problem["detail"] = detail
    return problem


def _redact(value: Any, secret: str) -> Any:
    """The problem with every copy of ``secret`` replaced: a proxy's error page may echo headers."""
    if isinstance(value, str):
        return value.replace(secret, "(rejected token)")
    if isinstance(value, dict):
        return {k: _redact(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, secret) for v in value]
    return value


def _retry_after(value: Optional[str], now: float) -> Optional[int]:
    """Retry-After in whole seconds: delay-seconds, or an HTTP-date counted from now (RFC 9110 10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0, math.ceil(when.timestamp() - now))


def _parse_iso_datetime(value: Any) -> Optional[datetime]:
    if not isinstance(value, str):
        return None
    try:
        # Python before 3.11 does not read the "Z" of JavaScript's toISOString().
        return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return None


def _optional_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _optional_int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None

"""What get_token raises for each answer that is not a token: a class per problem type, API
Gateway's own refusals, Retry-After, answers that are not token answers, redirects, no answer.
None of it may quote a token."""
from __future__ import annotations

import socket
import unittest
from datetime import datetime, timezone

import arcgis_token_vending as atv
from arcgis_token_vending import (
    ArcGISBadResponseError,
    GatewayError,
    InvalidCredentialsError,
    LoginPausedError,
    ProblemError,
    TokenAnswerError,
    TokenEndpointNotFoundError,
    TokenRequestError,
    TokenVendingClient,
)

from tests.fake_http import FakeServer, Reply, TokenService, token_body

NOW = 1_800_000_000.0
BASE = "urn:arcgis-token-vending:problem:"

INVALID_CREDENTIALS = {
    "type": BASE + "invalid-credentials",
    "title": "ArcGIS rejected the credentials",
    "status": 502,
    "detail": 'https://gis.example.com/portal/sharing/rest/generateToken answered error 400 "Unable to generate token. / Invalid username or password.". Put the right credentials in the secret.',
    "instance": "/token",
    "requestId": "req-1",
    "arcgisCode": 400,
    "arcgisMessage": "Unable to generate token.",
    "arcgisDetails": ["Invalid username or password."],
}


class ProblemErrorTest(unittest.TestCase):
    def setUp(self) -> None:
        self.service = TokenService(now=lambda: NOW)
        self.addCleanup(self.service.close)
        self.client = TokenVendingClient(self.service.stage_url, clock=lambda: NOW)
        self.url = self.service.stage_url + "/token"

    def raised(self, reply: Reply, **request: object) -> ProblemError:
        self.service.next_replies = [reply]
        with self.assertRaises(ProblemError) as raised:
            self.client.get_token(**request)  # type: ignore[arg-type]  # test arguments
        return raised.exception

    def test_maps_each_problem_type_of_the_service_to_its_class(self) -> None:
        expected = {
            "misconfiguration": "ServiceMisconfiguredError",
            "credentials-secret": "CredentialsSecretError",
            "bad-request": "BadRequestError",
            "unknown-target": "UnknownTargetError",
            "method-not-allowed": "MethodNotAllowedError",
            "not-found": "NotFoundError",
            "arcgis-refused": "ArcGISRefusedError",
            "invalid-credentials": "InvalidCredentialsError",
            "arcgis-bad-response": "ArcGISBadResponseError",
            "token-endpoint-not-found": "TokenEndpointNotFoundError",
            "arcgis-unreachable": "ArcGISUnreachableError",
            "token-lifetime-too-short": "TokenLifetimeError",
            "login-paused": "LoginPausedError",
            "internal": "InternalServiceError",
        }
        self.assertEqual({slug: cls.__name__ for slug, cls in atv.PROBLEM_ERRORS.items()}, expected)
        for slug, name in expected.items():
            with self.subTest(slug=slug):
                error = self.raised(Reply(502, {"type": BASE + slug, "title": "A title", "status": 502, "detail": "What failed and the fix."}))
                self.assertEqual(type(error).__name__, name)
                self.assertEqual((error.type, error.title, error.status, error.detail, error.retry_after), (BASE + slug, "A title", 502, "What failed and the fix.", None))
                self.assertEqual(str(error), f"GET {self.url} answered 502 A title ({BASE}{slug}): What failed and the fix.")

    def test_an_unknown_problem_type_is_a_problem_error_itself(self) -> None:
        error = self.raised(Reply(502, {"type": BASE + "origin-not-allowed", "title": "Credentials would leave the configured origin", "status": 502}))
        self.assertIs(type(error), ProblemError)
        self.assertEqual(str(error), f"GET {self.url} answered 502 Credentials would leave the configured origin ({BASE}origin-not-allowed)")

    def test_invalid_credentials_carries_arcgis_error_and_the_whole_problem(self) -> None:
        error = self.raised(Reply(502, INVALID_CREDENTIALS))
        assert isinstance(error, InvalidCredentialsError)
        self.assertIsInstance(error, atv.ArcGISRefusedError)
        self.assertEqual((error.arcgis_code, error.arcgis_message, error.arcgis_details), (400, "Unable to generate token.", ["Invalid username or password."]))
        self.assertEqual((error.instance, error.request_id, error.target), ("/token", "req-1", None))
        self.assertEqual(error.problem, INVALID_CREDENTIALS)

    def test_login_paused_carries_retry_at_and_the_retry_after_header_in_seconds(self) -> None:
        problem = {
            "type": BASE + "login-paused",
            "title": "Logins paused after rejected credentials",
            "status": 503,
            "detail": 'Logins for target "default" are paused until 2027-01-15T08:00:00.000Z after ArcGIS rejected the credentials. Fix the secret.',
            "instance": "/token",
            "target": "default",
            "retryAt": "2027-01-15T08:00:00.000Z",
            "arcgisCode": 400,
            "arcgisMessage": "Unable to generate token.",
        }
        error = self.raised(Reply(503, problem, headers={"Retry-After": "120"}))
        assert isinstance(error, LoginPausedError)
        self.assertEqual(error.retry_after, 120)
        self.assertEqual(error.retry_at, datetime(2027, 1, 15, 8, 0, tzinfo=timezone.utc))
        self.assertEqual((error.arcgis_code, error.arcgis_message, error.target), (400, "Unable to generate token.", "default"))
        self.assertEqual(str(error), f"GET {self.url} answered 503 Logins paused after rejected credentials ({BASE}login-paused): {problem['detail']} Retry after 120 s.")

    def test_reads_retry_after_given_as_an_http_date(self) -> None:
        when = datetime.fromtimestamp(NOW + 90, timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
        error = self.raised(Reply(503, {"type": BASE + "login-paused", "title": "Paused", "status": 503}, headers={"Retry-After": when}))
        self.assertEqual(error.retry_after, 90)
        past = datetime.fromtimestamp(NOW - 5, timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
        self.assertEqual(self.raised(Reply(503, {"type": BASE + "login-paused", "title": "Paused", "status": 503}, headers={"Retry-After": past})).retry_after, 0)
        self.assertIsNone(self.raised(Reply(503, {"type": BASE + "login-paused", "title": "Paused", "status": 503}, headers={"Retry-After": "soon"})).retry_after)

    def test_bad_response_and_endpoint_not_found_extensions(self) -> None:
        bad = self.raised(Reply(502, {"type": BASE + "arcgis-bad-response", "title": "ArcGIS gave an answer that is not a token", "status": 502, "httpStatus": 404}))
        assert isinstance(bad, ArcGISBadResponseError)
        self.assertEqual(bad.http_status, 404)
        attempts = [{"url": "https://gis.example.com/arcgis/rest/info", "outcome": "HTTP 404 HTML page"}]
        missing = self.raised(Reply(502, {"type": BASE + "token-endpoint-not-found", "title": "No ArcGIS token endpoint found", "status": 502, "attempts": attempts}))
        assert isinstance(missing, TokenEndpointNotFoundError)
        self.assertEqual(missing.attempts, attempts)

    def test_api_gateway_refusals_are_gateway_errors_with_its_message_as_detail(self) -> None:
        message = "User: arn:aws:sts::123456789012:assumed-role/app/session is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/GET/token"
        error = self.raised(Reply(403, {"Message": message}, content_type="application/json"))
        self.assertIs(type(error), GatewayError)
        self.assertEqual((error.type, error.title, error.status, error.detail), ("about:blank", "Forbidden", 403, message))
        self.assertEqual(str(error), f"GET {self.url} answered 403 Forbidden: {message}")
        throttled = self.raised(Reply(429, {"message": "Too Many Requests"}, content_type="application/json"))
        self.assertEqual((type(throttled), throttled.title, throttled.detail), (GatewayError, "Too Many Requests", "Too Many Requests"))

    def test_a_proxy_page_becomes_a_gateway_error_with_the_start_of_its_text(self) -> None:
        page = "<html><body>" + "Bad gateway. " * 100 + "</body></html>"
        error = self.raised(Reply(502, page))
        self.assertIs(type(error), GatewayError)
        self.assertEqual((error.title, error.detail), ("Bad Gateway", page[:500]))

    def test_removes_a_rejected_token_that_an_error_page_echoes(self) -> None:
        self.service.next_replies = [Reply(400, "<p>Bad header X-Rejected-Token: fake-token-77</p>"), Reply(400, {"type": BASE + "bad-request", "title": "Bad request", "status": 400, "detail": "fake-token-77 is not the cached token", "echo": ["fake-token-77"]})]
        for _ in range(2):
            with self.assertRaises(ProblemError) as raised:
                self.client.get_token(rejected="fake-token-77")
            self.assertNotIn("fake-token-77", str(raised.exception))
            self.assertNotIn("fake-token-77", repr(raised.exception))
            self.assertNotIn("fake-token-77", repr(raised.exception.problem))
        self.assertEqual(raised.exception.detail, "(rejected token) is not the cached token")


class AnswerValidationTest(unittest.TestCase):
    def setUp(self) -> None:
        self.service = TokenService(now=lambda: NOW)
        self.addCleanup(self.service.close)
        self.client = TokenVendingClient(self.service.stage_url)
        self.url = self.service.stage_url + "/token"

    def answer_error(self, reply: Reply) -> TokenAnswerError:
        self.service.next_replies = [reply]
        with self.assertRaises(TokenAnswerError) as raised:
            self.client.get_token()
        return raised.exception

    def test_a_200_that_is_not_json_is_a_token_answer_error(self) -> None:
        error = self.answer_error(Reply(200, "<html>Sign in</html>", content_type="text/html"))
        self.assertEqual(str(error), f"GET {self.url} answered 200 with text/html that is not JSON: is this the token service's URL?")

    def test_names_the_fields_that_are_wrong_never_their_values(self) -> None:
        body = token_body(1, int(NOW * 1000) + 3_600_000, client="cookie", usage={"header": "Authorization", "scheme": "Bearer", "parameter": "token"})
        body["expires"] = "1800003600000"  # a number as a string is ArcGIS's habit, not the service's
        del body["stale"]
        error = self.answer_error(Reply(200, body))
        self.assertEqual(str(error), f"GET {self.url} answered 200 with JSON that is not a token answer (bad or missing: expires, client, stale, usage.header, usage.httpsOnly): is this the token service's URL?")
        self.assertNotIn("fake-token-1", str(error))

    def test_refuses_a_token_that_could_not_go_into_a_header_without_quoting_it(self) -> None:
        for token in ("fake-token\r\n-1", " ", "fake token"):
            with self.subTest(token=token):
                error = self.answer_error(Reply(200, token_body(1, int(NOW * 1000) + 3_600_000, token=token)))
                self.assertEqual(str(error), f"GET {self.url} answered 200 with JSON that is not a token answer (bad or missing: token): is this the token service's URL?")

    def test_reads_every_field_of_a_token_answer_and_keeps_the_token_out_of_repr(self) -> None:
        self.service.next_replies = [Reply(200, token_body(7, 1_800_003_600_000, client="ip", ip="203.0.113.10", referer=None, source="generated", usage={"header": "X-Esri-Authorization", "scheme": "Bearer", "parameter": "token", "httpsOnly": True}))]
        answer = self.client.get_token()
        self.assertEqual(
            (answer.token, answer.expires, answer.expires_at, answer.ssl, answer.target, answer.client, answer.ip, answer.referer, answer.source, answer.stale, answer.stale_reason),
            ("fake-token-7", 1_800_003_600_000, "2027-01-15T09:00:00.000Z", True, "default", "ip", "203.0.113.10", None, "generated", False, None),
        )
        self.assertEqual(answer.usage, atv.TokenUsage(header="X-Esri-Authorization", scheme="Bearer", parameter="token", https_only=True, referer_header=None))
        self.assertEqual(answer.headers(), {"X-Esri-Authorization": "Bearer fake-token-7"})
        self.assertEqual(answer.seconds_left(NOW), 3600.0)
        self.assertNotIn("fake-token-7", repr(answer))
        self.assertNotIn("fake-token-7", str(answer))


class TransportTest(unittest.TestCase):
    def test_does_not_follow_a_redirect(self) -> None:
        elsewhere = FakeServer(lambda _: Reply(200, token_body(1, 1_800_003_600_000)))
        self.addCleanup(elsewhere.close)
        redirecting = FakeServer(lambda _: Reply(302, "", headers={"Location": elsewhere.url + "/v1/token"}))
        self.addCleanup(redirecting.close)
        with self.assertRaises(GatewayError) as raised:
            TokenVendingClient(redirecting.url + "/v1").get_token(rejected="fake-token-0")
        self.assertEqual((raised.exception.status, raised.exception.title), (302, "Found"))
        self.assertEqual(elsewhere.requests, [])

    def test_a_refused_connection_is_a_request_error(self) -> None:
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        with self.assertRaises(TokenRequestError) as raised:
            TokenVendingClient(f"http://127.0.0.1:{port}/v1").get_token()
        self.assertFalse(raised.exception.timed_out)
        self.assertEqual(str(raised.exception), f"GET http://127.0.0.1:{port}/v1/token failed: Connection refused (ConnectionRefusedError).")

    def test_a_service_that_does_not_answer_in_time_is_a_request_error_that_says_so(self) -> None:
        slow = TokenService()
        self.addCleanup(slow.close)
        slow.next_replies = [Reply(200, token_body(1, 1_800_003_600_000), delay=2)]
        with self.assertRaises(TokenRequestError) as raised:
            TokenVendingClient(slow.stage_url, timeout=0.3).get_token()
        self.assertTrue(raised.exception.timed_out)
        self.assertEqual(str(raised.exception), f"GET {slow.stage_url}/token did not answer within 0.3 s.")


if __name__ == "__main__":
    unittest.main()

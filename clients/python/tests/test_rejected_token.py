"""X-Rejected-Token and the retry once on 498, against a scripted token service and a scripted
ArcGIS service on loopback. The payloads are ArcGIS's own (docs/arcgis-tokens.md), verbatim."""
from __future__ import annotations

import json
import threading
import time
import unittest
import urllib.error
import urllib.request
from typing import Any, Dict, List

import requests

from arcgis_token_vending import TokenAnswer, TokenClientConfigError, TokenRejectedError, TokenVendingClient, is_token_rejected

from tests.fake_http import FakeServer, Received, Reply, TokenService
from tests.test_token_cache import _waits_on_flight

INVALID_TOKEN = {"error": {"code": 498, "message": "Invalid Token", "details": []}}
INVALID_TOKEN_LOWER = {"error": {"code": 498, "message": "Invalid token.", "details": []}}
ADMIN_TOKEN_EXPIRED = {"status": "error", "messages": ["Token Expired."], "code": 498}
TOKEN_REQUIRED = {"error": {"code": 499, "message": "Token Required", "details": []}}
FORBIDDEN = {"error": {"code": 403, "message": "You do not have permissions to access this resource or perform this operation.", "details": []}}
PLAIN_HTTP_USAGE = {"header": "X-Esri-Authorization", "scheme": "Bearer", "parameter": "token", "refererHeader": "https://apps.example.com", "httpsOnly": False}
LAYER = {"id": 0, "name": "Demo", "type": "Feature Layer"}


class RejectedHeaderTest(unittest.TestCase):
    def setUp(self) -> None:
        self.service = TokenService()
        self.addCleanup(self.service.close)
        self.client = TokenVendingClient(self.service.stage_url)

    def test_sends_the_rejected_token_in_the_x_rejected_token_header_never_in_the_url(self) -> None:
        self.client.get_token("maps", min_validity=600, rejected="fake-token-0")

        [request] = self.service.requests
        self.assertEqual((request.path, request.query), ("/v1/token/maps", {"minValidity": "600"}))
        self.assertEqual(request.headers["x-rejected-token"], "fake-token-0")

    def test_a_plain_request_carries_no_x_rejected_token_header(self) -> None:
        self.client.get_token()
        self.assertNotIn("x-rejected-token", self.service.requests[0].headers)

    def test_bypasses_the_cache_when_the_cached_token_is_the_rejected_one(self) -> None:
        first = self.client.get_token()
        renewed = self.client.get_token(rejected=first.token)
        after = self.client.get_token()

        self.assertEqual((first.token, renewed.token), ("fake-token-1", "fake-token-2"))
        self.assertIs(after, renewed)
        self.assertEqual([r.headers.get("x-rejected-token") for r in self.service.requests], [None, "fake-token-1"])

    def test_a_late_report_of_an_already_replaced_token_gets_the_replacement_without_a_request(self) -> None:
        self.client.get_token()
        renewed = self.client.get_token(rejected="fake-token-1")
        late = self.client.get_token(rejected="fake-token-1")

        self.assertIs(late, renewed)
        self.assertEqual(len(self.service.requests), 2)

    def test_threads_reporting_the_same_rejected_token_send_one_request(self) -> None:
        self.client.get_token()
        self.service.hold()
        results: List[Any] = [None] * 5
        threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, self.client.get_token(rejected="fake-token-1"))) for i in range(5)]
        for thread in threads:
            thread.start()
        self.service.wait_for_requests(2)
        wait_until(lambda: sum(_waits_on_flight(t) for t in threads) == 4)
        self.service.release()
        for thread in threads:
            thread.join(10)

        self.assertEqual([r.headers.get("x-rejected-token") for r in self.service.requests], [None, "fake-token-1"])
        self.assertEqual({r.token for r in results}, {"fake-token-2"})

    def test_a_plain_caller_during_a_report_waits_for_the_replacement_instead_of_getting_the_dead_token(self) -> None:
        self.client.get_token()
        self.service.hold()
        reporter = threading.Thread(target=lambda: self.client.get_token(rejected="fake-token-1"))
        reporter.start()
        self.service.wait_for_requests(2)
        plain: List[TokenAnswer] = []
        asker = threading.Thread(target=lambda: plain.append(self.client.get_token()))
        asker.start()
        wait_until(lambda: _waits_on_flight(asker))
        self.service.release()
        reporter.join(10)
        asker.join(10)

        self.assertEqual(plain[0].token, "fake-token-2")
        self.assertEqual(len(self.service.requests), 2)

    def test_a_report_does_not_wait_for_a_plain_request_in_flight(self) -> None:
        # The plain request may bring back the very token being reported, from the service's cache.
        self.service.hold()
        plain = threading.Thread(target=self.client.get_token)
        plain.start()
        self.service.wait_for_requests(1)
        reporter = threading.Thread(target=lambda: self.client.get_token(rejected="fake-token-0"))
        reporter.start()
        self.service.wait_for_requests(2)
        self.service.release()
        plain.join(10)
        reporter.join(10)

        self.assertEqual([r.headers.get("x-rejected-token") for r in self.service.requests], [None, "fake-token-0"])

    def test_refuses_a_rejected_value_that_cannot_be_a_header_without_quoting_it(self) -> None:
        for value, shown in (("fake-token\r\nX-Injected: 1", "got 25 characters that are not."), ("", "got 0 characters that are not."), ("a b", "got 3 characters that are not.")):
            with self.subTest(shown=shown):
                with self.assertRaises(TokenClientConfigError) as raised:
                    self.client.get_token(rejected=value)
                self.assertEqual(str(raised.exception), "rejected must be the token ArcGIS rejected: 1-8192 printable ASCII characters without spaces; " + shown)
        with self.assertRaises(TokenClientConfigError) as raised:
            self.client.get_token(rejected=b"fake-token-1")  # type: ignore[arg-type]  # the wrong type on purpose
        self.assertEqual(str(raised.exception), "rejected must be the token ArcGIS rejected: 1-8192 printable ASCII characters without spaces; got a bytes.")
        self.assertEqual(self.service.requests, [])


class CallWithTokenTest(unittest.TestCase):
    """call_with_token: retry once with rejected=, never twice."""

    def setUp(self) -> None:
        self.service = TokenService()
        self.addCleanup(self.service.close)
        self.client = TokenVendingClient(self.service.stage_url)
        self.seen: List[str] = []

    def replying(self, *bodies: Any) -> Any:
        """A function answering each call with the next body, recording the token it was given."""

        def fn(answer: TokenAnswer) -> Any:
            self.seen.append(answer.token)
            return bodies[min(len(self.seen), len(bodies)) - 1]

        return fn

    def reports(self) -> List[Any]:
        return [r.headers.get("x-rejected-token") for r in self.service.requests]

    def test_retries_once_with_a_new_token_when_arcgis_answers_498_in_a_200_body(self) -> None:
        result = self.client.call_with_token(self.replying(INVALID_TOKEN, LAYER), target="maps")

        self.assertEqual(result, LAYER)
        self.assertEqual(self.seen, ["fake-token-1", "fake-token-2"])
        self.assertEqual(self.reports(), [None, "fake-token-1"])
        self.assertEqual([r.path for r in self.service.requests], ["/v1/token/maps", "/v1/token/maps"])

    def test_retries_on_the_other_wording_and_on_the_admin_api_shape(self) -> None:
        for rejection in (INVALID_TOKEN_LOWER, ADMIN_TOKEN_EXPIRED, json.dumps(INVALID_TOKEN), json.dumps(ADMIN_TOKEN_EXPIRED).encode()):
            with self.subTest(rejection=rejection):
                self.seen = []
                self.assertEqual(self.client.call_with_token(self.replying(rejection, LAYER)), LAYER)
                self.assertEqual(len(self.seen), 2)

    def test_raises_token_rejected_error_when_the_new_token_is_rejected_too_never_asking_a_third_time(self) -> None:
        with self.assertRaises(TokenRejectedError) as raised:
            self.client.call_with_token(self.replying(INVALID_TOKEN, INVALID_TOKEN_LOWER), target="maps")

        self.assertEqual(self.seen, ["fake-token-1", "fake-token-2"])
        self.assertEqual(self.reports(), [None, "fake-token-1"])
        self.assertEqual(raised.exception.result, INVALID_TOKEN_LOWER)
        self.assertEqual(raised.exception.target, "maps")
        self.assertEqual(
            str(raised.exception),
            'ArcGIS rejected the token for target "maps" (498), and after asking the service for a new one the new token was rejected too. '
            "A token that fails at once is usually bound to another Referer or address than the request sends (send answer.headers(), "
            "or use requests_auth()), or comes from the wrong dispenser for this service (a standalone server's token on a portal, "
            "or a portal token on a federated server without exchange).",
        )

    def test_says_so_when_the_service_hands_out_the_same_token_again(self) -> None:
        fn = self.replying(INVALID_TOKEN, INVALID_TOKEN)
        self.client.get_token()
        # The service keeps its token (its check found it valid): the same token comes back.
        self.service.issued = 0
        with self.assertRaises(TokenRejectedError) as raised:
            self.client.call_with_token(fn)
        self.assertEqual(self.seen, ["fake-token-1", "fake-token-1"])
        self.assertIn("the default target (498), and after asking the service for a new one the service handed out the same token again.", str(raised.exception))

    def test_does_not_retry_other_arcgis_errors(self) -> None:
        for body in (TOKEN_REQUIRED, FORBIDDEN, {"error": {"code": 400, "message": "Unable to complete operation.", "details": []}}, LAYER):
            with self.subTest(body=body):
                self.seen = []
                self.assertEqual(self.client.call_with_token(self.replying(body)), body)
                self.assertEqual(len(self.seen), 1)
        self.assertEqual(len(self.service.requests), 1)  # one token, from the cache each time after

    def test_lets_other_exceptions_through_without_retrying(self) -> None:
        def fn(answer: TokenAnswer) -> None:
            self.seen.append(answer.token)
            raise KeyError("features")

        with self.assertRaises(KeyError):
            self.client.call_with_token(fn)
        self.assertEqual(self.seen, ["fake-token-1"])

    def test_uses_the_callers_own_test_for_rejection(self) -> None:
        result = self.client.call_with_token(self.replying("expired", "ok"), is_rejected=lambda r: r == "expired")
        self.assertEqual((result, self.seen), ("ok", ["fake-token-1", "fake-token-2"]))


class CallWithTokenOverHttpTest(unittest.TestCase):
    """The same against a real HTTP ArcGIS stand-in that accepts only the newest token."""

    def setUp(self) -> None:
        # Tokens that may travel over http: the ArcGIS stand-in is plain http on loopback.
        self.service = TokenService(ssl=False, usage=dict(PLAIN_HTTP_USAGE))
        self.addCleanup(self.service.close)
        self.client = TokenVendingClient(self.service.stage_url)
        self.http_status_errors = False
        self.arcgis = FakeServer(self.check_token)
        self.addCleanup(self.arcgis.close)
        self.layer_url = self.arcgis.url + "/arcgis/rest/services/Demo/FeatureServer/0?f=json"

    def check_token(self, received: Received) -> Reply:
        valid = received.headers.get("x-esri-authorization") == f"Bearer fake-token-{self.service.issued}" and self.service.issued > 1
        if valid:
            return Reply(200, LAYER, content_type="text/plain;charset=utf-8")
        if self.http_status_errors:
            return Reply(498, INVALID_TOKEN_LOWER, content_type="text/plain;charset=utf-8")
        return Reply(200, INVALID_TOKEN, content_type="text/plain;charset=utf-8")

    def test_requests_response_with_498_in_a_200_body(self) -> None:
        response = self.client.call_with_token(lambda answer: requests.get(self.layer_url, auth=answer.requests_auth(), timeout=10))
        self.assertEqual((response.status_code, response.json()), (200, LAYER))
        self.assert_retried_once()

    def test_requests_response_with_http_status_498(self) -> None:
        self.http_status_errors = True
        response = self.client.call_with_token(lambda answer: requests.get(self.layer_url, auth=answer.requests_auth(), timeout=10))
        self.assertEqual(response.status_code, 200)
        self.assert_retried_once()

    def test_requests_raise_for_status_on_http_498(self) -> None:
        self.http_status_errors = True

        def fetch(answer: TokenAnswer) -> Dict[str, Any]:
            response = requests.get(self.layer_url, auth=answer.requests_auth(), timeout=10)
            response.raise_for_status()
            return response.json()

        self.assertEqual(self.client.call_with_token(fetch), LAYER)
        self.assert_retried_once()

    def test_urllib_http_error_498_twice_raises_token_rejected_error_from_it(self) -> None:
        self.http_status_errors = True

        def fetch(answer: TokenAnswer) -> Any:
            request = urllib.request.Request(self.layer_url, headers={"X-Esri-Authorization": "Bearer wrong"})
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)

        with self.assertRaises(TokenRejectedError) as raised:
            self.client.call_with_token(fetch)
        cause = raised.exception.__cause__
        assert isinstance(cause, urllib.error.HTTPError)
        cause.close()
        self.assertEqual(cause.code, 498)
        self.assertIsNone(raised.exception.result)
        self.assertEqual(len(self.arcgis.requests), 2)
        self.assertEqual([r.headers.get("x-rejected-token") for r in self.service.requests], [None, "fake-token-1"])

    def assert_retried_once(self) -> None:
        self.assertEqual([r.headers.get("x-esri-authorization") for r in self.arcgis.requests], ["Bearer fake-token-1", "Bearer fake-token-2"])
        self.assertEqual([r.headers.get("referer") for r in self.arcgis.requests], ["https://apps.example.com"] * 2)
        self.assertEqual([r.headers.get("x-rejected-token") for r in self.service.requests], [None, "fake-token-1"])


class IsTokenRejectedTest(unittest.TestCase):
    def test_recognises_arcgis_498_in_every_shape_it_comes_in(self) -> None:
        for value in (INVALID_TOKEN, INVALID_TOKEN_LOWER, ADMIN_TOKEN_EXPIRED, {"error": {"code": "498", "message": "Invalid Token"}}, json.dumps(INVALID_TOKEN), json.dumps(INVALID_TOKEN).encode()):
            with self.subTest(value=value):
                self.assertTrue(is_token_rejected(value))

    def test_does_not_mistake_anything_else_for_a_rejection(self) -> None:
        for value in (TOKEN_REQUIRED, FORBIDDEN, LAYER, {"code": 498}, {"error": "498"}, {"error": {"code": True}}, [INVALID_TOKEN], "Invalid Token", b"\xff", None, 498):
            with self.subTest(value=value):
                self.assertFalse(is_token_rejected(value))


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


if __name__ == "__main__":
    unittest.main()

"""The client against the real local server (npm start: lambda/local/main.ts) and its built-in
ArcGIS simulator, as a user runs them: no AWS account, plain http on loopback, unsigned."""
from __future__ import annotations

import json
import os
import tempfile
import time
import unittest
from typing import Any, List, Optional

import requests

from arcgis_token_vending import (
    BadRequestError,
    InvalidCredentialsError,
    LoginPausedError,
    TokenAnswer,
    TokenRejectedError,
    TokenUsage,
    TokenVendingClient,
    UnknownTargetError,
    is_token_rejected,
)

from tests.aws_env import aws_env
from tests.node_processes import LocalServer

DEMO_PASSWORD = "demo-not-a-real-password"  # the simulator's demo account (lambda/local/arcgis-simulator.ts)
WRONG_PASSWORD = "fake-wrong-password-not-real"
# The portal words 498 this way (the standalone server says "Invalid Token").
INVALID_TOKEN = {"error": {"code": 498, "message": "Invalid token.", "details": []}}

plain: Optional[LocalServer] = None
configured: Optional[LocalServer] = None
scratch: Optional[tempfile.TemporaryDirectory] = None  # type: ignore[type-arg]  # 3.9 has no TemporaryDirectory[str]


def setUpModule() -> None:
    global plain, configured, scratch
    scratch = tempfile.TemporaryDirectory()
    plain = LocalServer()
    assert plain.simulator_url is not None
    portal = plain.simulator_url + "/portal"
    targets = {
        "targets": [
            {"name": "default", "url": portal, "client": "referer", "referer": "http://localhost", "secretId": "good"},
            {"name": "fresh", "url": portal, "client": "referer", "referer": "http://localhost", "secretId": "good"},
            {"name": "wrong", "url": portal, "client": "referer", "referer": "http://localhost", "secretId": "bad"},
        ]
    }
    secrets = {"good": {"username": "demo", "password": DEMO_PASSWORD}, "bad": {"username": "demo", "password": WRONG_PASSWORD}}
    targets_file = os.path.join(scratch.name, "targets.json")
    secrets_file = os.path.join(scratch.name, "secrets.json")
    with open(targets_file, "w") as out:
        json.dump(targets, out)
    with open(secrets_file, "w") as out:
        json.dump(secrets, out)
    # The second server logs in to the first one's simulator: one ArcGIS, two token services.
    configured = LocalServer({"TARGETS_FILE": targets_file, "SECRETS_FILE": secrets_file, "ARCGIS_ALLOW_INSECURE_HTTP": "1"})


def tearDownModule() -> None:
    for server in (configured, plain):
        if server is not None:
            server.stop()
    if scratch is not None:
        scratch.cleanup()


def servers() -> "tuple[LocalServer, LocalServer]":
    assert plain is not None and configured is not None
    return plain, configured


class NpmStartTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = servers()[0]
        assert self.server.simulator_url is not None
        self.portal_self = self.server.simulator_url + "/portal/sharing/rest/portals/self?f=json"
        with aws_env():  # no AWS credentials at all: the local server needs none
            self.client = TokenVendingClient(self.server.base_url)

    def test_gets_a_token_from_npm_start_with_no_aws_credentials(self) -> None:
        with aws_env():
            answer = self.client.get_token()
            again = self.client.get_token()

        self.assertIs(again, answer)
        self.assertEqual(
            (answer.target, answer.client, answer.referer, answer.ip, answer.ssl, answer.stale),
            ("default", "referer", "http://localhost", None, False, False),
        )
        self.assertEqual(answer.usage, TokenUsage(header="X-Esri-Authorization", scheme="Bearer", parameter="token", https_only=False, referer_header="http://localhost"))
        self.assertTrue(3300 < answer.seconds_left() <= 3600, answer.seconds_left())  # the target's 60 min, less the time since the login
        self.assertRegex(answer.token, r"^[A-Za-z0-9_-]{20,}$")
        self.assertNotIn(answer.token, self.server.output)

    def test_a_second_client_gets_the_token_the_service_cached(self) -> None:
        first = self.client.get_token()
        second = TokenVendingClient(self.server.base_url).get_token()
        self.assertEqual((second.token, second.source), (first.token, "cache"))

    def test_an_unknown_target_is_an_unknown_target_error(self) -> None:
        with self.assertRaises(UnknownTargetError) as raised:
            self.client.get_token("nope")
        error = raised.exception
        self.assertEqual((error.status, error.target, error.instance), (404, "nope", "/token/nope"))
        self.assertEqual(error.detail, 'There is no target named "nope". Configured targets: default.')

    def test_a_min_validity_beyond_the_tokens_lifetime_is_a_bad_request_error(self) -> None:
        with self.assertRaises(BadRequestError) as raised:
            self.client.get_token(min_validity=7200)
        self.assertEqual(
            raised.exception.detail,
            'minValidity 7200 s cannot be met: target "default" issues tokens for 3600 s (expirationMinutes 60). Ask for less than 3600 s.',
        )

    def test_requests_auth_opens_the_portals_secured_resource(self) -> None:
        response = requests.get(self.portal_self, auth=self.client.requests_auth(), timeout=10)
        self.assertEqual(response.json(), {"id": "SimPortal0000001", "name": "Simulated Portal", "isPortal": True, "user": {"username": "demo"}})

    def test_without_its_referer_the_token_gets_arcgis_498_which_is_token_rejected_recognises(self) -> None:
        answer = self.client.get_token()
        response = requests.get(self.portal_self, headers={"X-Esri-Authorization": f"Bearer {answer.token}"}, timeout=10)
        self.assertEqual((response.status_code, response.json()), (200, INVALID_TOKEN))
        self.assertTrue(is_token_rejected(response))

    def test_call_with_token_hands_the_answer_to_the_function(self) -> None:
        calls: List[str] = []

        def fetch(answer: TokenAnswer) -> Any:
            calls.append(answer.token)
            return requests.get(self.portal_self, auth=answer.requests_auth(), timeout=10).json()

        self.assertEqual(self.client.call_with_token(fetch)["name"], "Simulated Portal")
        self.assertEqual(len(calls), 1)

    def test_call_with_token_asks_again_once_then_gives_up_on_a_token_bound_to_another_referer(self) -> None:
        calls: List[str] = []

        def fetch(answer: TokenAnswer) -> Any:
            calls.append(answer.token)
            return requests.get(self.portal_self, headers={"X-Esri-Authorization": f"Bearer {answer.token}", "Referer": "https://elsewhere.example.com"}, timeout=10)

        with self.assertRaises(TokenRejectedError) as raised:
            self.client.call_with_token(fetch)
        self.assertEqual(len(calls), 2)
        # The token is valid (only the Referer is wrong): the service keeps it and says so by handing it out again.
        self.assertEqual(calls[0], calls[1])
        self.assertIn("the service handed out the same token again", str(raised.exception))
        self.assertNotIn(calls[0], str(raised.exception))
        self.assertEqual(raised.exception.result.json(), INVALID_TOKEN)


class TargetsFileTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = servers()[1]
        self.client = TokenVendingClient(self.server.base_url)

    def test_a_targets_first_token_is_generated_then_served_from_the_services_cache(self) -> None:
        first = self.client.get_token("fresh")
        second = TokenVendingClient(self.server.base_url).get_token("fresh")
        self.assertEqual((first.target, first.source), ("fresh", "generated"))
        self.assertEqual((second.token, second.source), (first.token, "cache"))

    def test_rejected_credentials_are_an_invalid_credentials_error_then_a_pause_with_retry_after(self) -> None:
        with self.assertRaises(InvalidCredentialsError) as raised:
            self.client.get_token("wrong")
        rejected = raised.exception
        self.assertEqual((rejected.status, rejected.target), (502, "wrong"))
        self.assertEqual((rejected.arcgis_code, rejected.arcgis_message, rejected.arcgis_details), (400, "Unable to generate token.", ["Invalid username or password."]))

        with self.assertRaises(LoginPausedError) as paused:
            self.client.get_token("wrong")
        error = paused.exception
        self.assertEqual((error.status, error.target, error.arcgis_code), (503, "wrong", 400))
        assert error.retry_after is not None and error.retry_at is not None
        self.assertGreater(error.retry_after, 0)
        self.assertAlmostEqual(error.retry_at.timestamp(), time.time() + error.retry_after, delta=5)  # both count from the answer's moment
        self.assertTrue(str(error).endswith(f" Retry after {error.retry_after} s."), str(error))
        for shown in (str(rejected), repr(rejected), str(error), repr(error), json.dumps(error.problem)):
            self.assertNotIn(WRONG_PASSWORD, shown)


if __name__ == "__main__":
    unittest.main()

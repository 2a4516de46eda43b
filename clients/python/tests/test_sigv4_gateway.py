"""SigV4 signing against the API Gateway stand-in (test/client/fake-api-gateway.ts), which
recomputes each signature with the same fake secret key the way API Gateway does and refuses
the request with API Gateway's own message when it does not match."""
from __future__ import annotations

import unittest
from typing import Any, Dict, Optional

import botocore.credentials

from arcgis_token_vending import GatewayError, TokenVendingClient, UnknownTargetError

from tests.aws_env import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY, FAKE_SESSION_TOKEN, aws_env, long_term_credentials_env, session_credentials_env
from tests.node_processes import FakeApiGateways

REGION = "eu-west-1"
API_KEY = "fake-api-key-0123456789"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

gateways: Optional[FakeApiGateways] = None


def setUpModule() -> None:
    global gateways
    long_term = {"accessKeyId": FAKE_ACCESS_KEY_ID, "secretAccessKey": FAKE_SECRET_ACCESS_KEY}
    gateways = FakeApiGateways(
        REGION,
        {
            "session": {"credentials": {**long_term, "sessionToken": FAKE_SESSION_TOKEN}},
            "longTerm": {"credentials": long_term},
            "apiKey": {"credentials": long_term, "mode": "apiKey", "apiKey": API_KEY},
        },
    )


def tearDownModule() -> None:
    if gateways is not None:
        gateways.stop()


def stage(name: str) -> str:
    assert gateways is not None
    return gateways.stages[name]


def received(name: str, expected: int) -> Any:
    assert gateways is not None
    return gateways.requests(name, expected)


class SigV4Test(unittest.TestCase):
    def test_signs_with_session_credentials_from_the_environment_and_the_gateway_accepts_them(self) -> None:
        before = len(received("session", 0))
        with aws_env(**session_credentials_env()):
            answer = TokenVendingClient(stage("session"), sign=True, region=REGION).get_token()

        # The gateway numbers its tokens: this is its answer to this very request.
        self.assertEqual((answer.token, answer.target), (f"fake-token-{before + 1}", "default"))
        request = received("session", before + 1)[before]
        headers: Dict[str, str] = request["headers"]
        day = headers["x-amz-date"][:8]
        self.assertRegex(headers["x-amz-date"], r"^\d{8}T\d{6}Z$")
        self.assertRegex(
            headers["authorization"],
            rf"^AWS4-HMAC-SHA256 Credential=AKIDFAKEEXAMPLE/{day}/eu-west-1/execute-api/aws4_request, SignedHeaders=accept;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{{64}}$",
        )
        self.assertEqual(headers["x-amz-security-token"], FAKE_SESSION_TOKEN)
        self.assertEqual((request["path"], request["query"]), ("/v1/token", {}))

    def test_signs_the_target_path_and_the_min_validity_query(self) -> None:
        before = len(received("longTerm", 0))
        with aws_env(**long_term_credentials_env()):
            answer = TokenVendingClient(stage("longTerm") + "/token", region=REGION, sign=True).get_token("maps", min_validity=600)

        self.assertEqual(answer.target, "maps")
        request = received("longTerm", before + 1)[before]
        self.assertEqual((request["path"], request["target"], request["query"]), ("/v1/token/maps", "maps", {"minValidity": "600"}))
        self.assertNotIn("x-amz-security-token", request["headers"])
        self.assertIn("SignedHeaders=accept;host;x-amz-date, ", request["headers"]["authorization"])

    def test_sends_x_rejected_token_beside_the_signature_without_signing_it(self) -> None:
        before = len(received("session", 0))
        with aws_env(**session_credentials_env()):
            TokenVendingClient(stage("session"), sign=True, region=REGION).get_token(rejected="fake-token-0")

        headers = received("session", before + 1)[before]["headers"]
        self.assertEqual(headers["x-rejected-token"], "fake-token-0")
        self.assertIn("SignedHeaders=accept;host;x-amz-date;x-amz-security-token, ", headers["authorization"])

    def test_takes_the_region_from_aws_region_for_a_host_that_names_none(self) -> None:
        with aws_env(AWS_REGION=REGION, **session_credentials_env()):
            answer = TokenVendingClient(stage("session"), sign=True).get_token()
        self.assertEqual(answer.usage.referer_header, "https://apps.example.com")

    def test_uses_credentials_given_explicitly_over_the_environment(self) -> None:
        explicit = botocore.credentials.Credentials(FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY)
        with aws_env(AWS_ACCESS_KEY_ID="AKIDOTHEREXAMPLE", AWS_SECRET_ACCESS_KEY="other-fake-secret-not-real"):
            answer = TokenVendingClient(stage("longTerm"), sign=True, region=REGION, credentials=explicit).get_token()
        self.assertEqual(answer.target, "default")

    def test_a_wrong_secret_key_gets_api_gateways_refusal_as_a_gateway_error(self) -> None:
        with aws_env(AWS_ACCESS_KEY_ID=FAKE_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY="wrong-fake-secret-not-real"):
            with self.assertRaises(GatewayError) as raised:
                TokenVendingClient(stage("longTerm"), sign=True, region=REGION).get_token()
        self.assertEqual((raised.exception.status, raised.exception.title, raised.exception.detail), (403, "Forbidden", SIGNATURE_MISMATCH))
        self.assertNotIn("wrong-fake-secret-not-real", str(raised.exception))

    def test_signing_for_another_region_is_refused(self) -> None:
        with aws_env(**long_term_credentials_env()):
            with self.assertRaises(GatewayError) as raised:
                TokenVendingClient(stage("longTerm"), sign=True, region="us-east-1").get_token()
        self.assertEqual(raised.exception.detail, "Credential should be scoped to a valid region, not 'us-east-1'.")

    def test_an_unsigned_request_is_refused_as_api_gateway_does(self) -> None:
        with self.assertRaises(GatewayError) as raised:
            TokenVendingClient(stage("longTerm")).get_token()  # plain http on loopback: unsigned by default
        self.assertEqual((raised.exception.status, raised.exception.detail), (403, "Missing Authentication Token"))

    def test_the_services_problem_passes_through_the_gateway_typed(self) -> None:
        with aws_env(**long_term_credentials_env()):
            with self.assertRaises(UnknownTargetError) as raised:
                TokenVendingClient(stage("longTerm"), sign=True, region=REGION).get_token("unknown")
        self.assertEqual((raised.exception.status, raised.exception.target), (404, "unknown"))
        self.assertEqual(raised.exception.detail, 'There is no target named "unknown". Configured targets: default, maps.')


class ApiKeyTest(unittest.TestCase):
    def test_sends_the_api_key_instead_of_a_signature(self) -> None:
        before = len(received("apiKey", 0))
        with aws_env(**session_credentials_env()):
            TokenVendingClient(stage("apiKey"), api_key=API_KEY).get_token()
        headers = received("apiKey", before + 1)[before]["headers"]
        self.assertEqual(headers["x-api-key"], API_KEY)
        self.assertNotIn("authorization", headers)

    def test_a_wrong_api_key_is_forbidden(self) -> None:
        with self.assertRaises(GatewayError) as raised:
            TokenVendingClient(stage("apiKey"), api_key="fake-wrong-key").get_token()
        self.assertEqual((raised.exception.status, raised.exception.detail), (403, "Forbidden"))


if __name__ == "__main__":
    unittest.main()

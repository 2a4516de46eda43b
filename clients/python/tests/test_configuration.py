"""Options checked before anything is sent: the URL, how requests are authorized, the Region,
target names and min_validity, AWS credentials."""
from __future__ import annotations

import unittest

from arcgis_token_vending import TokenClientConfigError, TokenVendingClient

from tests.aws_env import aws_env, session_credentials_env
from tests.fake_http import FakeServer, Reply, TokenService

API = "https://abc123.execute-api.eu-west-1.amazonaws.com"


class ApiUrlTest(unittest.TestCase):
    def test_takes_the_api_url_output_or_its_stage_url(self) -> None:
        with aws_env():
            for given, endpoint in (
                (API + "/v1/token", API + "/v1/token"),
                (API + "/v1", API + "/v1/token"),
                (API + "/v1/", API + "/v1/token"),
                (API + ":443/v1/token/", API + "/v1/token"),  # the signed Host must be the one sent
                ("https://tokens.example.com:8443/gis", "https://tokens.example.com:8443/gis/token"),
                ("http://127.0.0.1:3000", "http://127.0.0.1:3000/token"),
                ("http://localhost:3000/", "http://localhost:3000/token"),
                ("http://[::1]:3000", "http://[::1]:3000/token"),
            ):
                with self.subTest(given=given):
                    self.assertEqual(TokenVendingClient(given, region="eu-west-1").endpoint, endpoint)

    def test_refuses_plain_http_beyond_loopback(self) -> None:
        for url in ("http://abc123.execute-api.eu-west-1.amazonaws.com/v1", "http://192.168.1.20:3000", "HTTP://tokens.example.com/v1"):
            with self.subTest(url=url), self.assertRaises(TokenClientConfigError) as raised:
                TokenVendingClient(url)
            host = url.split("//", 1)[1].split("/", 1)[0]
            self.assertEqual(str(raised.exception), f"api_url must use https:// (plain http:// only to 127.0.0.1 or localhost), got http://{host}.")

    def test_refuses_what_is_not_an_http_url(self) -> None:
        for url in ("abc123.execute-api.eu-west-1.amazonaws.com/v1", "ftp://example.com/v1", "https://", "https://example.com:99999/v1"):
            with self.subTest(url=url), self.assertRaises(TokenClientConfigError) as raised:
                TokenVendingClient(url)
            self.assertEqual(str(raised.exception), f'api_url "{url}" is not an http(s) URL: give the stack\'s ApiUrl output, e.g. https://API_ID.execute-api.eu-west-1.amazonaws.com/v1/token.')

    def test_refuses_a_query_a_fragment_or_user_info(self) -> None:
        for url in (API + "/v1/token?minValidity=600", API + "/v1/token#x", "https://user:pass@tokens.example.com/v1"):
            with self.subTest(url=url), self.assertRaises(TokenClientConfigError) as raised:
                TokenVendingClient(url)
            self.assertEqual(str(raised.exception), "api_url must not carry a query string, a fragment or user info: pass target and min_validity to get_token().")
            self.assertNotIn("pass@", str(raised.exception))


class AuthorizationChoiceTest(unittest.TestCase):
    def test_signs_by_default_and_not_for_plain_http_on_loopback(self) -> None:
        with aws_env():
            self.assertEqual(repr(TokenVendingClient(API + "/v1")), f"TokenVendingClient('{API}/v1/token', auth='sigv4', region='eu-west-1', service='execute-api')")
            for url in ("http://127.0.0.1:3000", "http://127.0.0.2:3000", "http://localhost:3000", "http://[::1]:3000"):
                with self.subTest(url=url):
                    self.assertEqual(repr(TokenVendingClient(url)), f"TokenVendingClient('{url}/token', auth='none')")
            self.assertEqual(repr(TokenVendingClient("http://127.0.0.1:3000", sign=True, region="eu-west-1")), "TokenVendingClient('http://127.0.0.1:3000/token', auth='sigv4', region='eu-west-1', service='execute-api')")
            self.assertEqual(repr(TokenVendingClient("https://localhost:8443", sign=False)), "TokenVendingClient('https://localhost:8443/token', auth='none')")

    def test_an_api_key_replaces_the_signature_and_is_never_shown(self) -> None:
        client = TokenVendingClient(API + "/v1", api_key="fake-api-key-0123456789")
        self.assertEqual(repr(client), f"TokenVendingClient('{API}/v1/token', auth='api-key')")

    def test_refuses_unsigned_requests_beyond_loopback(self) -> None:
        with self.assertRaises(TokenClientConfigError) as raised:
            TokenVendingClient(API + "/v1", sign=False)
        self.assertEqual(
            str(raised.exception),
            "sign=False sends unsigned requests, which only the local server (npm start, on 127.0.0.1 or localhost) accepts; abc123.execute-api.eu-west-1.amazonaws.com needs SigV4 (leave sign unset) or api_key=.",
        )

    def test_refuses_contradictory_or_unusable_options(self) -> None:
        cases = (
            (dict(api_key="fake-api-key", sign=True), "Give api_key or sign=True, not both: an API-key deployment takes the key instead of a signature."),
            (dict(api_key="fake api key"), "api_key must be the API key: 1-8192 printable ASCII characters without spaces."),
            (dict(api_key=""), "api_key must be the API key: 1-8192 printable ASCII characters without spaces."),
            (dict(sign=1), "sign must be True, False or None (decide from the URL), got 1."),
            (dict(timeout=0), "timeout must be a number of seconds above 0, got 0."),
            (dict(timeout=True), "timeout must be a number of seconds above 0, got True."),
            (dict(cache_margin=-1), "cache_margin must be a number of seconds (0 or more), got -1."),
            (dict(region="Europe"), "region must be an AWS Region name such as eu-west-1, got 'Europe'."),
            (dict(credentials={"aws_access_key_id": "AKIDFAKEEXAMPLE"}), "credentials must be botocore credentials, e.g. boto3.Session(profile_name=...).get_credentials(); got a dict."),
        )
        for options, message in cases:
            with self.subTest(options=options), self.assertRaises(TokenClientConfigError) as raised:
                TokenVendingClient(API + "/v1", **options)  # type: ignore[arg-type]  # wrong on purpose
            self.assertEqual(str(raised.exception), message)


class RegionTest(unittest.TestCase):
    def test_takes_the_region_from_the_parameter_then_the_host_then_the_environment(self) -> None:
        with aws_env(AWS_REGION="us-east-2", AWS_DEFAULT_REGION="ap-south-1"):
            self.assertIn("region='ca-central-1'", repr(TokenVendingClient(API + "/v1", region="ca-central-1")))
            self.assertIn("region='eu-west-1'", repr(TokenVendingClient(API + "/v1")))
            self.assertIn("region='eu-central-2'", repr(TokenVendingClient("https://abc123-vpce-0123456789abcdef0.execute-api.eu-central-2.vpce.amazonaws.com/v1")))
            self.assertIn("region='us-east-2'", repr(TokenVendingClient("https://tokens.example.com/v1")))
        with aws_env(AWS_DEFAULT_REGION="ap-south-1"):
            self.assertIn("region='ap-south-1'", repr(TokenVendingClient("https://tokens.example.com/v1")))

    def test_signs_a_function_url_for_service_lambda_in_the_region_its_host_names(self) -> None:
        with aws_env(AWS_REGION="us-east-2"):
            described = repr(TokenVendingClient("https://abcdefghijklmnopqrstuvwxyz123456.lambda-url.ap-southeast-2.on.aws/token"))
            self.assertIn("region='ap-southeast-2', service='lambda'", described)
            self.assertIn("service='execute-api'", repr(TokenVendingClient(API + "/v1")))

    def test_says_how_to_give_a_region_when_none_is_known(self) -> None:
        with aws_env(), self.assertRaises(TokenClientConfigError) as raised:
            TokenVendingClient("https://tokens.example.com/v1")
        self.assertEqual(str(raised.exception), "No Region to sign for: tokens.example.com is neither an execute-api nor a lambda-url host; pass region= (or set AWS_REGION) to the Region the API is deployed in.")


class RequestCheckTest(unittest.TestCase):
    def setUp(self) -> None:
        self.service = TokenService()
        self.addCleanup(self.service.close)
        self.client = TokenVendingClient(self.service.stage_url)

    def test_refuses_a_bad_target_name_or_min_validity_before_sending_anything(self) -> None:
        cases = (
            (dict(target="maps/admin"), 'target "maps/admin" is not a target name: 1-64 letters, digits, "-" or "_".'),
            (dict(target=""), 'target "" is not a target name: 1-64 letters, digits, "-" or "_".'),
            (dict(target="x" * 65), f'target "{"x" * 65}" is not a target name: 1-64 letters, digits, "-" or "_".'),
            (dict(min_validity=-1), "min_validity must be a whole number of seconds (0 or more), got -1."),
            (dict(min_validity=1.5), "min_validity must be a whole number of seconds (0 or more), got 1.5."),
            (dict(min_validity=True), "min_validity must be a whole number of seconds (0 or more), got True."),
            (dict(min_validity="600"), "min_validity must be a whole number of seconds (0 or more), got '600'."),
        )
        for request, message in cases:
            with self.subTest(request=request):
                for call in (self.client.get_token, self.client.requests_auth):
                    with self.assertRaises(TokenClientConfigError) as raised:
                        call(**request)  # type: ignore[arg-type]  # wrong on purpose
                    self.assertEqual(str(raised.exception), message)
        self.assertEqual(self.service.requests, [])


class ProxyTest(unittest.TestCase):
    def test_a_local_server_is_asked_directly_even_when_a_proxy_is_configured(self) -> None:
        # urllib sends loopback requests to HTTP_PROXY unless NO_PROXY lists them: the proxy would see the token.
        proxy = FakeServer(lambda _: Reply(502, "<html>proxy</html>"))
        self.addCleanup(proxy.close)
        service = TokenService()
        self.addCleanup(service.close)
        with aws_env(HTTP_PROXY=proxy.url, http_proxy=proxy.url):
            answer = TokenVendingClient(service.stage_url).get_token()
        self.assertEqual((answer.token, len(service.requests), proxy.requests), ("fake-token-1", 1, []))


class CredentialsTest(unittest.TestCase):
    def test_without_aws_credentials_says_so_and_sends_nothing(self) -> None:
        service = TokenService()
        self.addCleanup(service.close)
        with aws_env():
            client = TokenVendingClient(service.stage_url, sign=True, region="eu-west-1")
            with self.assertRaises(TokenClientConfigError) as raised:
                client.get_token()
        self.assertEqual(
            str(raised.exception),
            "No AWS credentials to sign the request: botocore's default chain found none (environment variables, shared credentials and config files, SSO, container or instance role). "
            "Configure one (aws configure, AWS_PROFILE, a role), or pass credentials=. Nothing was sent.",
        )
        self.assertEqual(service.requests, [])

    def test_names_a_profile_that_does_not_exist(self) -> None:
        with aws_env(AWS_PROFILE="no-such-profile"):
            client = TokenVendingClient(API + "/v1")
            with self.assertRaises(TokenClientConfigError) as raised:
                client.get_token()
        self.assertEqual(str(raised.exception), "botocore could not load AWS credentials: The config profile (no-such-profile) could not be found")

    def test_resolves_credentials_at_the_first_request_not_at_construction(self) -> None:
        service = TokenService()
        self.addCleanup(service.close)
        with aws_env():
            client = TokenVendingClient(service.stage_url, sign=True, region="eu-west-1")
        with aws_env(**session_credentials_env()):
            client.get_token()
        self.assertRegex(service.requests[0].headers["authorization"], r"^AWS4-HMAC-SHA256 Credential=AKIDFAKEEXAMPLE/\d{8}/eu-west-1/execute-api/aws4_request, ")


if __name__ == "__main__":
    unittest.main()

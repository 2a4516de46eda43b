"""Handing the token to requests (an AuthBase) and to the ArcGIS API for Python (GIS(url, token=...)),
neither of which the module depends on."""
from __future__ import annotations

import sys
import types
import unittest
from typing import Any, Dict, List
from unittest import mock

import requests

import arcgis_token_vending as atv
from arcgis_token_vending import TokenClientConfigError, TokenVendingClient

from tests.fake_http import FakeServer, Reply, TokenService

NOW = 1_800_000_000.0
PLAIN_HTTP_USAGE = {"header": "X-Esri-Authorization", "scheme": "Bearer", "parameter": "token", "refererHeader": "https://apps.example.com", "httpsOnly": False}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


class RequestsAuthTest(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.service = TokenService(now=self.clock, lifetime=600, ssl=False, usage=dict(PLAIN_HTTP_USAGE))
        self.addCleanup(self.service.close)
        self.client = TokenVendingClient(self.service.stage_url, clock=self.clock)
        self.arcgis = FakeServer(lambda _: Reply(200, {"id": 0, "name": "Demo"}, content_type="text/plain;charset=utf-8"))
        self.addCleanup(self.arcgis.close)

    def sent(self, server: FakeServer) -> List[Dict[str, Any]]:
        return [{k: r.headers.get(k) for k in ("x-esri-authorization", "referer")} for r in server.requests]

    def test_an_answers_auth_sets_the_bearer_header_and_the_referer_the_token_is_bound_to(self) -> None:
        answer = self.client.get_token()
        response = requests.get(self.arcgis.url + "/arcgis/rest/services?f=json", auth=answer.requests_auth(), timeout=10)

        self.assertEqual(response.json(), {"id": 0, "name": "Demo"})
        self.assertEqual(self.sent(self.arcgis), [{"x-esri-authorization": "Bearer fake-token-1", "referer": "https://apps.example.com"}])
        self.assertNotIn("token", self.arcgis.requests[0].query)

    def test_the_clients_auth_renews_the_token_for_a_long_lived_session(self) -> None:
        session = requests.Session()
        self.addCleanup(session.close)
        session.auth = self.client.requests_auth(min_validity=300)
        session.get(self.arcgis.url + "/a", timeout=10)
        session.get(self.arcgis.url + "/b", timeout=10)
        self.clock.now = NOW + 241  # 359 s left: no longer covers 300 s plus the 60 s margin
        session.get(self.arcgis.url + "/c", timeout=10)

        self.assertEqual([h["x-esri-authorization"] for h in self.sent(self.arcgis)], ["Bearer fake-token-1", "Bearer fake-token-1", "Bearer fake-token-2"])
        self.assertEqual([r.query for r in self.service.requests], [{"minValidity": "300"}, {"minValidity": "300"}])

    def test_refuses_to_send_an_https_only_token_over_http(self) -> None:
        self.service.overrides = {"ssl": True}  # usage.httpsOnly true, as TokenService answers by default
        answer = self.client.get_token()
        with self.assertRaises(TokenClientConfigError) as raised:
            requests.get(self.arcgis.url + "/arcgis/rest/services?f=json", auth=answer.requests_auth(), timeout=10)
        self.assertEqual(str(raised.exception), f"Refusing to send an https-only token over http:// to {self.arcgis.url[len('http://'):]}: use the https:// URL.")
        self.assertEqual(self.arcgis.requests, [])

    def test_a_redirect_to_another_origin_does_not_take_the_token_along(self) -> None:
        elsewhere = FakeServer(lambda _: Reply(200, "<html>identity provider</html>"))
        self.addCleanup(elsewhere.close)
        redirecting = FakeServer(lambda r: Reply(302, "", headers={"Location": elsewhere.url + "/adfs/ls/"}) if r.path == "/portal" else Reply(200, {}))
        self.addCleanup(redirecting.close)

        requests.get(redirecting.url + "/portal", auth=self.client.get_token().requests_auth(), timeout=10)

        self.assertEqual(self.sent(redirecting), [{"x-esri-authorization": "Bearer fake-token-1", "referer": "https://apps.example.com"}])
        self.assertEqual([h["x-esri-authorization"] for h in self.sent(elsewhere)], [None])

    def test_a_redirect_within_the_origin_keeps_the_token(self) -> None:
        site = FakeServer(lambda r: Reply(301, "", headers={"Location": "/portal/home/"}) if r.path == "/portal/home" else Reply(200, {}))
        self.addCleanup(site.close)

        requests.get(site.url + "/portal/home", auth=self.client.get_token().requests_auth(), timeout=10)

        self.assertEqual([h["x-esri-authorization"] for h in self.sent(site)], ["Bearer fake-token-1", "Bearer fake-token-1"])

    def test_the_auth_never_shows_the_token(self) -> None:
        auth = self.client.get_token().requests_auth()
        self.assertEqual(repr(auth), "ArcGISTokenAuth()")
        self.assertNotIn("fake-token-1", str(vars(auth)))

    def test_without_requests_installed_says_what_to_install(self) -> None:
        answer = self.client.get_token()
        with mock.patch.dict(sys.modules, {"requests": None, "requests.auth": None}), mock.patch.object(atv, "_REQUESTS_AUTH", None):
            with self.assertRaises(TokenClientConfigError) as raised:
                answer.requests_auth()
        self.assertEqual(str(raised.exception), "requests_auth() needs the requests package, which is not installed: pip install requests, or send answer.headers() with your HTTP client.")


class ArcGisGisTest(unittest.TestCase):
    def setUp(self) -> None:
        self.service = TokenService()
        self.addCleanup(self.service.close)
        self.client = TokenVendingClient(self.service.stage_url)

    def test_builds_a_gis_with_the_token_and_its_referer(self) -> None:
        calls: List[Any] = []
        arcgis = types.ModuleType("arcgis")
        gis_module = types.ModuleType("arcgis.gis")
        def gis(*args: Any, **kwargs: Any) -> str:
            calls.append((args, kwargs))
            return "a GIS"

        gis_module.GIS = gis  # type: ignore[attr-defined]  # a stand-in module
        arcgis.gis = gis_module  # type: ignore[attr-defined]
        with mock.patch.dict(sys.modules, {"arcgis": arcgis, "arcgis.gis": gis_module}):
            gis = self.client.arcgis_gis("https://gis.example.com/portal", target="portal", min_validity=3000, verify_cert=True)

        self.assertEqual(gis, "a GIS")
        self.assertEqual(calls, [(("https://gis.example.com/portal",), {"token": "fake-token-1", "referer": "https://apps.example.com", "verify_cert": True})])
        self.assertEqual([(r.path, r.query) for r in self.service.requests], [("/v1/token/portal", {"minValidity": "3000"})])

    def test_without_the_arcgis_package_says_what_to_install(self) -> None:
        with mock.patch.dict(sys.modules, {"arcgis": None, "arcgis.gis": None}):
            with self.assertRaises(TokenClientConfigError) as raised:
                self.client.arcgis_gis("https://gis.example.com/portal")
        self.assertEqual(str(raised.exception), "arcgis_gis() needs the ArcGIS API for Python, which is not installed: pip install arcgis.")
        self.assertEqual(self.service.requests, [])


class NoOptionalDependencyTest(unittest.TestCase):
    def test_importing_the_module_loads_neither_requests_nor_arcgis_nor_botocore(self) -> None:
        import subprocess

        code = "import sys, arcgis_token_vending; print(sorted(m for m in ('requests', 'arcgis', 'botocore') if m in sys.modules))"
        output = subprocess.run([sys.executable, "-c", code], cwd=atv.__file__.rsplit("/", 1)[0], capture_output=True, text=True, check=True).stdout
        self.assertEqual(output, "[]\n")


if __name__ == "__main__":
    unittest.main()

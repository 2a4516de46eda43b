"""The client's cache against a scripted token service on loopback: reuse while valid for
min_validity plus the margin, per target, stale and failed answers not kept, and one request in
flight per target and validity however many threads ask."""
from __future__ import annotations

import sys
import threading
import time
import traceback
import unittest
from typing import List

from arcgis_token_vending import ArcGISUnreachableError, TokenAnswer, TokenVendingClient

from tests.fake_http import Reply, TokenService

NOW = 1_800_000_000.0  # a fixed clock: expiry arithmetic is exact


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TokenCacheTest(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.service = TokenService(now=self.clock, lifetime=600)
        self.addCleanup(self.service.close)
        self.client = TokenVendingClient(self.service.stage_url, clock=self.clock, cache_margin=60)

    def test_reuses_the_cached_answer_while_it_stays_valid_for_min_validity_plus_the_margin(self) -> None:
        first = self.client.get_token()
        again = self.client.get_token(min_validity=539)  # 600 s left > 539 + 60

        self.assertIs(again, first)
        self.assertEqual(first.token, "fake-token-1")
        self.assertEqual(first.expires, int((NOW + 600) * 1000))
        self.assertEqual([(r.path, r.query) for r in self.service.requests], [("/v1/token", {})])

    def test_asks_again_when_the_cached_token_would_not_cover_min_validity_plus_the_margin(self) -> None:
        self.client.get_token()
        renewed = self.client.get_token(min_validity=540)  # 600 s left is not > 540 + 60

        self.assertEqual(renewed.token, "fake-token-2")
        self.assertEqual([(r.path, r.query) for r in self.service.requests], [("/v1/token", {}), ("/v1/token", {"minValidity": "540"})])

    def test_asks_again_once_the_clock_comes_within_the_margin_of_expiry(self) -> None:
        self.client.get_token()
        self.clock.now = NOW + 539
        self.assertEqual(self.client.get_token().token, "fake-token-1")
        self.clock.now = NOW + 540
        self.assertEqual(self.client.get_token().token, "fake-token-2")
        self.assertEqual(len(self.service.requests), 2)

    def test_keeps_one_answer_per_target(self) -> None:
        default = self.client.get_token()
        maps = self.client.get_token("maps")

        self.assertEqual((default.token, default.target), ("fake-token-1", "default"))
        self.assertEqual((maps.token, maps.target), ("fake-token-2", "maps"))
        self.assertIs(self.client.get_token("maps"), maps)
        self.assertIs(self.client.get_token(), default)
        self.assertEqual([r.path for r in self.service.requests], ["/v1/token", "/v1/token/maps"])

    def test_hands_out_a_stale_answer_but_does_not_keep_it(self) -> None:
        self.service.overrides = {"stale": True, "staleReason": "refresh failed: ArcGIS could not be reached"}
        stale = self.client.get_token()
        self.service.overrides = {}
        fresh = self.client.get_token()

        self.assertEqual((stale.token, stale.stale, stale.stale_reason), ("fake-token-1", True, "refresh failed: ArcGIS could not be reached"))
        self.assertEqual((fresh.token, fresh.stale), ("fake-token-2", False))
        self.assertEqual(len(self.service.requests), 2)

    def test_does_not_remember_a_failed_request(self) -> None:
        self.service.next_replies = [Reply(504, {"type": "urn:arcgis-token-vending:problem:arcgis-unreachable", "title": "ArcGIS could not be reached", "status": 504, "detail": "https://gis.example.com/portal did not answer within 10000 ms."})]
        with self.assertRaises(ArcGISUnreachableError):
            self.client.get_token()
        self.assertEqual(self.client.get_token().token, "fake-token-1")
        self.assertEqual(len(self.service.requests), 2)

    def test_a_zero_margin_reuses_a_token_until_it_expires(self) -> None:
        client = TokenVendingClient(self.service.stage_url, clock=self.clock, cache_margin=0)
        client.get_token()
        self.clock.now = NOW + 599.9
        self.assertEqual(client.get_token().token, "fake-token-1")
        self.clock.now = NOW + 600
        self.assertEqual(client.get_token().token, "fake-token-2")


class SingleFlightTest(unittest.TestCase):
    def setUp(self) -> None:
        self.service = TokenService()
        self.addCleanup(self.service.close)
        self.client = TokenVendingClient(self.service.stage_url)

    def ask_in_threads(self, count: int, **request: object) -> "tuple[List[threading.Thread], List[object]]":
        results: List[object] = [None] * count

        def ask(i: int) -> None:
            try:
                results[i] = self.client.get_token(**request)  # type: ignore[arg-type]  # test arguments
            except Exception as error:  # collected: each thread's outcome is asserted
                results[i] = error

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        return threads, results

    def test_eight_threads_asking_at_once_share_one_request(self) -> None:
        self.service.hold()
        threads, results = self.ask_in_threads(8)
        self.service.wait_for_requests(1)
        self.assertEqual(self.wait_for_waiters(threads), 7)
        self.service.release()
        for thread in threads:
            thread.join(10)

        self.assertEqual(len(self.service.requests), 1)
        self.assertEqual({r.token for r in results if isinstance(r, TokenAnswer)}, {"fake-token-1"})
        self.assertEqual(len({id(r) for r in results}), 1)

    def test_threads_share_the_failure_of_the_request_they_waited_for(self) -> None:
        self.service.hold()
        self.service.next_replies = [Reply(504, {"type": "urn:arcgis-token-vending:problem:arcgis-unreachable", "title": "ArcGIS could not be reached", "status": 504, "detail": "no answer"})]
        threads, results = self.ask_in_threads(4)
        self.service.wait_for_requests(1)
        self.wait_for_waiters(threads)
        self.service.release()
        for thread in threads:
            thread.join(10)

        self.assertEqual(len(self.service.requests), 1)
        self.assertEqual([type(r).__name__ for r in results], ["ArcGISUnreachableError"] * 4)
        self.assertEqual(self.client.get_token().token, "fake-token-1")  # and the failure was not kept

    def test_a_request_for_a_longer_validity_does_not_wait_for_a_shorter_one(self) -> None:
        self.service.hold()
        short, _ = self.ask_in_threads(1, min_validity=0)
        self.service.wait_for_requests(1)
        longer, results = self.ask_in_threads(1, min_validity=600)
        self.service.wait_for_requests(2)
        self.service.release()
        for thread in short + longer:
            thread.join(10)

        self.assertEqual([r.query for r in self.service.requests], [{}, {"minValidity": "600"}])

    def test_a_request_for_a_shorter_validity_waits_for_a_longer_one_in_flight(self) -> None:
        self.service.hold()
        longer, first = self.ask_in_threads(1, min_validity=600)
        self.service.wait_for_requests(1)
        short, second = self.ask_in_threads(1, min_validity=0)
        self.assertEqual(self.wait_for_waiters(longer + short), 1)
        self.service.release()
        for thread in longer + short:
            thread.join(10)

        self.assertEqual([r.query for r in self.service.requests], [{"minValidity": "600"}])
        self.assertIs(first[0], second[0])

    def wait_for_waiters(self, threads: List[threading.Thread]) -> int:
        """How many threads wait for another's request: every thread but the leader, once all have
        reached the flight (the client keeps its flights under its lock; peek at them there)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = [t for t in threads if t.is_alive()]
            waiting = sum(1 for t in alive if _waits_on_flight(t))
            if waiting == len(alive) - 1:
                return waiting
            time.sleep(0.01)
        raise AssertionError("threads did not reach the request in flight")


def _waits_on_flight(thread: threading.Thread) -> bool:
    """True when the thread is blocked in flight.done.wait() inside get_token."""
    frame = sys._current_frames().get(thread.ident or -1)
    stack = traceback.extract_stack(frame) if frame is not None else []
    return any(entry.name == "get_token" and (entry.line or "").strip() == "flight.done.wait()" for entry in stack)


if __name__ == "__main__":
    unittest.main()

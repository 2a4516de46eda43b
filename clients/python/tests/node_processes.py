"""The repository's Node servers, started as child processes the way a user starts them:
``npm start`` (lambda/local/main.ts) and the SigV4-verifying API Gateway stand-in
(test/clients/serve-fake-api-gateways.ts)."""
from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
from typing import Any, Dict, List, Optional

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TSX = os.path.join(REPO_ROOT, "node_modules", ".bin", "tsx")
START_TIMEOUT_SECONDS = 60.0


class NodeProcess:
    """A tsx child in its own process group (tsx runs the script in a second node process: both
    must stop), with its output collected line by line."""

    def __init__(self, args: List[str], env: Dict[str, str]) -> None:
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.output: List[str] = []
        self._process = subprocess.Popen(
            [TSX, *args],
            cwd=REPO_ROOT,
            env={"PATH": os.environ.get("PATH", ""), **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_for_line(self, pattern: "re.Pattern[str]") -> "re.Match[str]":
        while True:
            try:
                line = self.lines.get(timeout=START_TIMEOUT_SECONDS)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern.pattern} within {START_TIMEOUT_SECONDS} s:\n{''.join(self.output)}") from None
            match = pattern.search(line)
            if match:
                return match

    def stop(self) -> None:
        if self._process.poll() is None:
            try:
                os.killpg(self._process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(10)
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._reader.join(10)
        if self._process.stdout is not None:
            self._process.stdout.close()


class LocalServer:
    """``npm start`` (tsx lambda/local/main.ts) on a free port, with the given ARCGIS_*/TARGETS_FILE settings."""

    _BANNER = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
    _SIMULATOR = re.compile(r"built-in simulator at (http://127\.0\.0\.1:\d+)")

    def __init__(self, env: Optional[Dict[str, str]] = None) -> None:
        self._node = NodeProcess(["lambda/local/main.ts"], {"PORT": "0", **(env or {})})
        try:
            self.base_url = self._node.wait_for_line(self._BANNER).group(1)
            banner = "".join(self._node.output)
            simulator = self._SIMULATOR.search(banner)
            # Only set when the built-in simulator stands in for ArcGIS (no ARCGIS_URL, no TARGETS_FILE).
            self.simulator_url: Optional[str] = simulator.group(1) if simulator else None
        except BaseException:
            self._node.stop()
            raise

    @property
    def output(self) -> str:
        return "".join(self._node.output)

    def stop(self) -> None:
        self._node.stop()


class FakeApiGateways:
    """test/clients/serve-fake-api-gateways.ts: one SigV4-checking gateway per name in ``gateways``."""

    def __init__(self, region: str, gateways: Dict[str, Dict[str, Any]]) -> None:
        config = json.dumps({"region": region, "gateways": gateways})
        self._node = NodeProcess(["test/clients/serve-fake-api-gateways.ts", config], {})
        try:
            ready = json.loads(self._node.wait_for_line(re.compile(r'^\{"event":"ready".*$')).group(0))
        except BaseException:
            self._node.stop()
            raise
        self.stages: Dict[str, str] = ready["stages"]

    def requests(self, gateway: str, expected: int) -> List[Dict[str, Any]]:
        """Requests that passed authentication on that gateway, in order, once ``expected`` of them
        have been reported (the gateway prints each before answering it, but this process reads
        its output on another thread)."""
        deadline = time.monotonic() + 10
        while True:
            seen = [e for e in (json.loads(line) for line in list(self._node.output) if line.startswith('{"event":"request"')) if e["gateway"] == gateway]
            if len(seen) >= expected or time.monotonic() > deadline:
                return seen
            time.sleep(0.01)

    def stop(self) -> None:
        self._node.stop()

"""A small load generator for ``bench/bench_pages.py``: threads, one kept-alive
``http.client`` connection each, a signed-in session cookie, and the server's memory
read from ``/proc`` (psutil is not needed).
"""

from __future__ import annotations

import http.client
import math
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

TIMEOUT = 600.0


class LoadError(Exception):
    pass


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, each request
    statuses: dict[int, int] = field(default_factory=dict)
    body_bytes: int = 0  # of the last response
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest rank, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
        return ordered[rank - 1] * 1000


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        jar.update({k: v.value for k, v in parsed.items()})
    return jar


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def sign_in(host: str, port: int, email: str, password: str) -> str:
    """Sign in through the sign-in page as a browser does; the Cookie header to send."""
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request("GET", "/accounts/login/")
        first = conn.getresponse()
        page = first.read().decode("utf-8", "replace")
        jar = _cookies(first)
        found = re.search(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"\s+name="csrfmiddlewaretoken"', page
        )
        token = found.group(1) if found else next((v for k, v in jar.items() if "csrf" in k), "")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": email, "password": password}
        )
        conn.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie_header(jar),
                "Referer": f"http://{host}:{port}/accounts/login/",
                "Origin": f"http://{host}:{port}",
            },
        )
        answer = conn.getresponse()
        answer.read()
        jar.update(_cookies(answer))
        if answer.status != 302 or not any("session" in k for k in _cookies(answer)):
            raise LoadError(f"signing in as {email} failed (HTTP {answer.status})")
        return cookie_header(jar)
    finally:
        conn.close()


def get(host: str, port: int, path: str, cookie: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def load(
    host: str, port: int, paths: list[str], cookie: str, concurrency: int, duration: float
) -> Result:
    """``concurrency`` threads asking for ``paths`` in turn for ``duration`` seconds (each
    at least once; a request under way at the end is finished and counted)."""
    result = Result()
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration
    turn = [0]

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        done = 0
        try:
            while done == 0 or time.perf_counter() < stop_at:
                with lock:
                    path = paths[turn[0] % len(paths)]
                    turn[0] += 1
                began = time.perf_counter()
                try:
                    conn.request("GET", path, headers={"Cookie": cookie})
                    response = conn.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
                    with lock:
                        result.errors.append(f"{type(exc).__name__}: {exc}")
                    if len(result.errors) > 50:
                        return
                    continue
                took = time.perf_counter() - began
                done += 1
                with lock:
                    result.latencies.append(took)
                    result.statuses[response.status] = result.statuses.get(response.status, 0) + 1
                    result.body_bytes = len(body)
                if response.will_close:
                    conn.close()
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - began
    return result


# ---------------------------------------------------------------- the server's memory


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (name) state ppid ...": the name may hold spaces and brackets.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def process_tree(pid: int) -> list[int]:
    tree, i = [pid], 0
    while i < len(tree):
        tree += _children(tree[i])
        i += 1
    return tree


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class Memory:
    """Samples the resident size of a process and its children while running; the peak
    of each process (MB) seen since :meth:`mark`, and the kernel's own peak (VmHWM)."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid, self.every = pid, every
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._pids = process_tree(pid)
        self._last_scan = time.monotonic()

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            if time.monotonic() - self._last_scan > 1:
                self._pids, self._last_scan = process_tree(self.pid), time.monotonic()
            for pid in self._pids:
                mb = _status_kb(pid, "VmRSS") / 1024
                if mb > self.peaks.get(pid, 0):
                    self.peaks[pid] = mb

    def mark(self) -> None:
        self.peaks = {}

    def now(self) -> dict[int, float]:
        return {pid: _status_kb(pid, "VmRSS") / 1024 for pid in process_tree(self.pid)}

    def peak(self) -> float:
        """The largest resident size of any one process since :meth:`mark`."""
        return max(self.peaks.values(), default=0.0)

    def high_water(self) -> dict[int, float]:
        return {pid: _status_kb(pid, "VmHWM") / 1024 for pid in process_tree(self.pid)}

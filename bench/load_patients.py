"""The simulated patient of bench/load.py: its own cookie jar, a walk from invitation link to submission, timed per kind."""

from __future__ import annotations

import http.client
import queue
import random
import re
import threading
import time
from collections import defaultdict
from urllib.parse import urlencode

from triage.domain.questionnaire.questions import Question, default_questionnaire

_NAMES = re.compile(r'\bname="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_START = re.compile(r'class="button primary" href="([^"]+)"')


def answer_for(question: Question, rng: random.Random) -> list[str]:
    """A valid answer that opens many follow-ups: every symptom and test ticked, mid-range numbers, free text."""
    if question.type == "multi":
        return [c.value for c in question.choices if c.value not in ("none", "not_sure")]
    if question.type == "single":
        return [question.choices[0].value]
    low, high = question.min or 0, question.max if question.max is not None else 10
    if question.type in ("integer", "scale"):
        return [str(int((low + high) // 2))]
    if question.type == "number":
        return [str((low + high) / 2)]
    return {"date": ["1970-01-01"], "consent": ["yes"]}.get(question.type, [f"Patient words, café 🙂 {rng.randint(1, 999)}"])


class Stats:
    """Latencies and errors per request kind, shared by every patient thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.submitted = 0

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        """Record one request."""
        with self.lock:
            self.samples[kind].append(seconds)
            if error:
                self.errors[kind].append(error)


class Patient(threading.Thread):
    """One simulated patient with its own cookie jar, walking invitation after invitation until the deadline."""

    def __init__(self, port: int, tokens: queue.Queue[str], stats: Stats, pause: tuple[float, float], deadline: float, seed: int):
        super().__init__(daemon=True)
        self.port, self.tokens, self.stats, self.pause, self.deadline = port, tokens, stats, pause, deadline
        self.rng = random.Random(seed)
        self.jar: dict[str, str] = {}

    def call(self, kind: str, method: str, path: str, form: dict[str, list[str]] | None = None) -> tuple[int, str, str]:
        """One request on its own connection (gunicorn's sync workers close each one); returns status, Location, body."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())} if self.jar else {}
        body = urlencode([(k, v) for k, values in form.items() for v in values]) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        start = time.perf_counter()
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.stats.add(kind, time.perf_counter() - start, f"{method} {kind}: {type(error).__name__}")
            raise
        finally:
            connection.close()
        elapsed = time.perf_counter() - start
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if "max-age=0" in cookie.lower() or not value:
                self.jar.pop(name.strip(), None)
            else:
                self.jar[name.strip()] = value
        expected = (303,) if method == "POST" or kind == "open link" else (200,)
        ok = response.status in expected or (kind == "step save POST" and response.status == 200)
        self.stats.add(kind, elapsed, None if ok else f"{method} {kind}: HTTP {response.status}")
        return response.status, response.getheader("Location") or "", page

    def form(self, page: str) -> dict[str, list[str]]:
        """The post for a page: an answer to every question it shows, its CSRF token and the Continue button."""
        by_id = default_questionnaire().by_id
        data = {n: answer_for(by_id[n], self.rng) for n in set(_NAMES.findall(page)) if n in by_id}
        found = _CSRF.search(page)
        data["csrf_token"] = [found.group(1) if found else ""]
        data["action"] = ["next"]
        return data

    def think(self) -> None:
        """The patient reads and answers (never past the deadline)."""
        time.sleep(max(0.0, min(self.rng.uniform(*self.pause), self.deadline - time.monotonic())))

    def walk(self, token: str) -> bool:
        """One intake from link to submission; False when it stopped early (deadline or an error)."""
        status, location, _ = self.call("open link", "GET", f"/i/{token}")
        if status != 303:
            return False
        found = _START.search(self.call("step page GET", "GET", location or "/intake")[2])
        path, repeats = (found.group(1) if found else "/intake/about_you"), 0
        while time.monotonic() < self.deadline:
            kind = "review" if path == "/intake/review" else "step page GET"
            status, _, page = self.call(kind, "GET", path)
            if status != 200:
                return False
            self.think()
            if time.monotonic() >= self.deadline:
                return False
            kind = "submit" if path == "/intake/review" else "step save POST"
            status, location, _ = self.call(kind, "POST", path, self.form(page))
            if kind == "submit":
                with self.stats.lock:
                    self.stats.submitted += status == 303
                return status == 303
            repeats = repeats + 1 if status == 200 else 0  # 200: follow-ups shown without JavaScript, answer them too
            if repeats > 2:  # the same step refused three times: the answers did not validate
                with self.stats.lock:
                    self.stats.errors["step save POST"].append(f"POST step save: stuck on {path.rsplit('/', 1)[-1]}")
            if repeats > 2 or status not in (200, 303):
                return False
            path = location if status == 303 else path
        return False

    def run(self) -> None:
        """Walk intakes until the deadline or the links run out."""
        while time.monotonic() < self.deadline:
            try:
                token = self.tokens.get_nowait()
            except queue.Empty:
                return
            self.jar.clear()
            try:
                self.walk(token)
            except (OSError, http.client.HTTPException):
                time.sleep(0.5)

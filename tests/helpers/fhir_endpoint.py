"""A small FHIR endpoint the tests run on 127.0.0.1: it takes transaction Bundles as an EHR would, or fails on request.

Each POST to its base is checked with fhir.resources (a Bundle of type transaction, every entry a conditional PUT,
every reference an entry's fullUrl), then applied: a conditional PUT updates the resource its URL matched or creates
one, so a re-sent Bundle changes nothing in number. It can be told to answer the next POSTs with a status (and an
OperationOutcome) or to answer too late, as an EHR that is down, refusing or stuck would.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.helpers.fhir import references, validates


@dataclass
class Failure:
    """How the endpoint answers the next `times` POSTs: with `status` and this OperationOutcome text, after `delay` s."""

    status: int
    text: str = "the EHR is unavailable"
    times: int = 1
    delay: float = 0.0


@dataclass
class EhrStore:
    """What the endpoint holds: every POST it saw, the transactions it accepted, and the resources they made."""

    posts: list[dict[str, Any]] = field(default_factory=list)  # {"authorization", "status"} of each POST
    accepted: list[dict[str, Any]] = field(default_factory=list)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # "Type?conditional" -> resource (with its id)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def by_type(self, kind: str) -> list[dict[str, Any]]:
        """The stored resources of one type."""
        return [r for r in self.resources.values() if r["resourceType"] == kind]


def _outcome(code: str, text: str) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}


def check_transaction(bundle: dict[str, Any]) -> str | None:
    """Why this is not a transaction the endpoint takes, or None."""
    try:
        validates(bundle)
    except Exception as error:  # pydantic's ValidationError
        return f"the Bundle is not valid FHIR R4B: {type(error).__name__}"
    if bundle.get("type") != "transaction":
        return "the Bundle must be of type transaction"
    full_urls = {e.get("fullUrl") for e in bundle.get("entry", [])}
    urls = [e.get("request", {}).get("url") for e in bundle.get("entry", [])]
    if len(set(urls)) != len(urls):
        return "two entries have the same conditional URL"
    for entry in bundle.get("entry", []):
        request = entry.get("request", {})
        if request.get("method") != "PUT" or "?" not in request.get("url", ""):
            return "every entry must be a conditional PUT"
        if "id" in entry["resource"]:
            return "a conditionally updated resource carries no id"
        dangling = [r for r in references(entry["resource"]) if r not in full_urls]
        if dangling:
            return f"references outside the Bundle: {dangling[:3]}"
    return None


def _apply(store: EhrStore, bundle: dict[str, Any]) -> dict[str, Any]:
    """Each conditional PUT updates the resource its URL found, or creates one; references become the ids given."""
    assigned: dict[str, str] = {}
    created: set[str] = set()
    for entry in bundle["entry"]:
        key = entry["request"]["url"]
        old = store.resources.get(key)
        if old is None:
            created.add(key)
        number = old["id"] if old else str(1000 + len(store.resources) + len(created))
        assigned[entry["fullUrl"]] = f"{entry['resource']['resourceType']}/{number}"
    answers = []
    for entry in bundle["entry"]:
        text = json.dumps(entry["resource"])
        for full_url, local in assigned.items():
            text = text.replace(json.dumps(full_url), json.dumps(local))
        location = assigned[entry["fullUrl"]]
        store.resources[entry["request"]["url"]] = {**json.loads(text), "id": location.split("/")[1]}
        status = "201 Created" if entry["request"]["url"] in created else "200 OK"
        answers.append({"response": {"status": status, "location": location}})
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": answers}


class _Handler(BaseHTTPRequestHandler):
    store: EhrStore

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        return

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout test)
            return

    def do_POST(self) -> None:
        store = self.store
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with store.lock:
            failure = store.failures[0] if store.failures else None
            if failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    store.failures.pop(0)
        post = {"authorization": self.headers.get("Authorization", ""), "status": 0}
        store.posts.append(post)
        if failure is not None:
            post["status"] = failure.status
            time.sleep(failure.delay)
            self._answer(failure.status, _outcome("transient" if failure.status >= 500 else "invalid", failure.text))
            return
        try:
            bundle = json.loads(raw)
        except ValueError:
            post["status"] = 400
            self._answer(400, _outcome("invalid", "the body is not JSON"))
            return
        problem = check_transaction(bundle)
        if problem:
            post["status"] = 400
            self._answer(400, _outcome("invalid", problem))
            return
        with store.lock:
            answer = _apply(store, bundle)
            store.accepted.append(bundle)
        post["status"] = 200
        self._answer(200, answer)


class FhirEndpoint:
    """The endpoint served in a background thread; `url` is its FHIR base (transactions are POSTed to it)."""

    def __init__(self) -> None:
        self.store = EhrStore()
        handler = type("Handler", (_Handler,), {"store": self.store})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/fhir"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def fail(self, status: int, text: str = "the EHR is unavailable", times: int = 1, delay: float = 0.0) -> None:
        """Answer the next `times` POSTs with this status (and an OperationOutcome saying `text`), after `delay` s."""
        self.store.failures.append(Failure(status, text, times, delay))

    def __enter__(self) -> FhirEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

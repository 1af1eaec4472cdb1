"""PDF timings: the two pools side by side, warm median, ratio to a plain two-page document, overhead, cached repeat.

Run: .venv/bin/python bench/pdf.py   (figures only; nothing is asserted)
"""

import contextlib
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNS = 20
PASSWORD = "plum orbit lantern 42 quietly"
TIMEOUT_LABELS = ("0.5 s time limit: RenderTimeout raised after", "  then the next render done after")
COLD_LABELS = (
    "cold: new process to 1st PDF",
    "  of which app start",
    "  of which 1st render",
    "PDF_PREWARM, idle 1 s: 1st render",
)
REPS = 5  # interleaved repetitions of each side-by-side figure that needs a new process or a killed worker
POOLS = {"hand-made": "bench.pdf_handmade_pool", "pebble": "triage.pdf.pool"}  # the pool pebble replaced, and the pebble one
COLD_SCRIPT = """
import importlib, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
from triage import create_app
from triage.pdf import summary as pdf; pdf.pool = importlib.import_module({impl!r}).pool  # the pool to measure
config = {{"DATABASE_URL": "sqlite://", "SECRET_KEY": "cold-start-secret-key-long-enough-012345", "TESTING": True}}
app = create_app({{**config, "PDF_PREWARM": {prewarm}}})
imported = time.perf_counter()
from bench.pdf import full_record
record = full_record()  # the intake's data, as the download view would have loaded it
time.sleep({pause})  # the app up and idle before the first download
asked = time.perf_counter()
settings = pdf.PdfSettings.from_config(app.config)
data = pdf.render_pdf(pdf.document_html(record, settings, "now"), settings)
done = time.perf_counter()
print(f"{{imported - started:.3f}} {{done - asked:.3f}} {{len(data)}}")
"""


def full_record() -> Any:
    """A realistic full intake (demo patient DEMO-001 plus medicines) evaluated by the current ruleset, with a note and review."""
    from triage.db.demo import demo_patients
    from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
    from triage.db.intake_record import EvaluationInfo, FeedbackInfo, IntakeRecord, NoteInfo
    from triage.domain.questionnaire.answers import validate_answers
    from triage.domain.questionnaire.questions import default_questionnaire

    today = dt.date.today()
    raw = dict(next(p["answers"] for p in demo_patients() if p["ref"] == "DEMO-001"))
    raw.update(
        {
            "acid_medicines": ["ppi"],
            "ppi_still_taking": "yes",
            "ppi_months": 36,
            "current_medicines": [["Omeprazole", "20 mg", "once a day"], ["Levothyroxine", "50 micrograms", "every morning"]],
            "allergies": "yes",
            "allergies_details": "Penicillin: a rash.",
        }
    )
    answers = validate_answers(default_questionnaire(), raw, today)
    stored = evaluate_for_storage(answers, today, bundled_ruleset())
    return IntakeRecord(
        id=1,
        ref="DEMO-001",
        status="reviewed",
        questionnaire_version=default_questionnaire().version,
        appointment="2026-12-03",
        created="2026-11-20 09:00 UTC",
        submitted="2026-11-21 10:00 UTC",
        submitted_on=today,
        reviewed_at="2026-11-22 11:00 UTC",
        reviewed_by="dr.example@clinic.example",
        stored_sha256="a" * 64,
        computed_sha256="a" * 64,
        answers=answers,
        evaluations=(EvaluationInfo(1, "2026-11-21 10:00 UTC", "submit", stored.ruleset_version, stored.ruleset_sha256),),
        result=stored.result,
        notes=(
            NoteInfo(
                1,
                "dr.example@clinic.example",
                "2026-11-22 11:00 UTC",
                "Check tTG-IgA with total IgA while on gluten; stop the PPI two weeks before any breath test.",
            ),
        ),
        feedback=(
            FeedbackInfo(
                1, 1, stored.top_differential or "", True, "Fits the picture", "dr.example@clinic.example", "2026-11-22"
            ),
        ),
    )


def interleaved_medians(actions: dict[str, Callable[[], Any]], runs: int = RUNS) -> dict[str, float]:
    """Median milliseconds of each action, measured in alternating rounds so background load hits them alike."""
    for action in actions.values():
        action()
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def plain_two_pages() -> str:
    """A plain text document of exactly two A4 pages in WeasyPrint's default style."""
    paragraph = "The quick brown fox jumps over the lazy dog while the patient describes bloating after meals. " * 5
    return "<html><body>" + "".join(f"<p>{paragraph}</p>" for _ in range(10)) + "</body></html>"


def file_url_twin(html: str) -> str:
    """The same document for bare WeasyPrint: the private asset URLs replaced by file:// URLs to the same files."""
    from triage.paths import resource_dir
    from triage.pdf import summary as pdf

    static = resource_dir("static")
    css = pdf.asset_bytes("css/pdf.css").decode().replace("triage-asset:", (static.as_uri() + "/"))
    handle = tempfile.NamedTemporaryFile("w", suffix=".css", delete=False, encoding="utf-8")
    handle.write(css)
    handle.close()
    return html.replace('href="triage-asset:css/pdf.css"', f'href="{Path(handle.name).as_uri()}"')


def cold_first_render(impl: str, prewarm: bool = False, pause: float = 0.0) -> tuple[float, float, float]:
    """A new interpreter: app start (WeasyPrint imported there), then one download's render (wall, app start, first render)."""
    script = COLD_SCRIPT.format(root=str(ROOT), prewarm=prewarm, pause=pause, impl=impl)
    started = time.perf_counter()
    env = os.environ | {"TRIAGE_ENV": "development"}  # unset means production, which refuses TESTING
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT, env=env)
    if done.returncode:
        raise RuntimeError(f"the cold-start process failed: {done.stderr[-2000:]}")
    out = done.stdout.split()
    return time.perf_counter() - started - pause, float(out[0]), float(out[1])


def token(page: str) -> str:
    """The CSRF token of the first form in a page."""
    tag = re.search(r'<input\b[^>]*\bname="csrf_token"[^>]*>', page)
    value = re.search(r'\bvalue="([^"]+)"', tag.group(0)) if tag else None
    if value is None:
        raise RuntimeError("no CSRF token in the page")
    return value.group(1)


def cached_repeat() -> tuple[float, float]:
    """Median time of a repeat download: intake_pdf() from the cache, and the whole HTTP POST as a signed-in clinician."""
    import pyotp

    from triage import create_app
    from triage.db import intakes as queries
    from triage.db import migrate, users
    from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
    from triage.domain.questionnaire.answers import validate_answers
    from triage.domain.questionnaire.questions import default_questionnaire
    from triage.pdf import summary as pdf

    folder = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate.upgrade(url)
    os.environ.setdefault("TRIAGE_INSTANCE", str(folder / "instance"))
    os.environ.setdefault("TRIAGE_ENV", "development")  # an unset TRIAGE_ENV means production, which refuses TESTING
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-long-enough-0123456789", "TESTING": True})
    db = app.extensions["triage_db"]
    record = full_record()
    with db.session() as session:
        _token, intake = queries.create_invitation(
            session, ref="BENCH-1", questionnaire_version=record.questionnaire_version, expires_days=30
        )
        queries.save_step(session, intake, validate_answers(default_questionnaire(), record.answers, dt.date.today()), {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, dt.date.today(), bundled_ruleset()))
        intake_id = intake.id
        _user, uri = users.create_user(session, "bench@clinic.example", PASSWORD, ("clinician",))
    settings = pdf.PdfSettings.from_config(app.config)
    direct = interleaved_medians({"direct": lambda: pdf.intake_pdf(db, intake_id, settings)})["direct"]
    client = app.test_client()
    login = client.get("/staff/login").get_data(as_text=True)
    client.post("/staff/login", data={"csrf_token": token(login), "email": "bench@clinic.example", "password": PASSWORD})
    code_page = client.get("/staff/login/code").get_data(as_text=True)
    client.post("/staff/login/code", data={"csrf_token": token(code_page), "code": pyotp.TOTP(pyotp.parse_uri(uri).secret).now()})
    csrf = token(client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True))

    def download() -> None:
        reply = client.post(f"/clinic/intakes/{intake_id}/pdf", data={"csrf_token": csrf})
        if reply.status_code != 200:
            raise RuntimeError(f"download failed with {reply.status_code}")

    # The first download finds no stored PDF and queues the render (a 303 to the "being prepared" page); one round of
    # the worker's jobs renders it, so the timed downloads are repeats served from the stored file.
    from triage.jobs.queue import JobContext
    from triage.jobs.runner import DbJobRunner

    client.post(f"/clinic/intakes/{intake_id}/pdf", data={"csrf_token": csrf})
    DbJobRunner(JobContext(db, app.extensions["triage_settings"])).run_due()

    return direct, interleaved_medians({"http": download})["http"]


def timeout_and_recovery(workers: Any, html: str) -> tuple[float, float]:
    """Seconds until a runaway job raises RenderTimeout (0.5 s limit), then until the next real render is back."""
    from triage.pdf import summary as pdf

    started = time.perf_counter()
    with contextlib.suppress(pdf.RenderTimeout):  # a job that were not stopped would show as a 60 s figure
        workers.call(time.sleep, 60, 0.5)
    raised = time.perf_counter()
    workers.call(pdf._render_job, html, 20)
    return raised - started, time.perf_counter() - raised


def side_by_side() -> None:
    """The pool implementations, measured in alternating rounds and printed beside each other (medians)."""
    from importlib import import_module

    from triage.pdf import summary as pdf

    settings = pdf.PdfSettings()
    html = pdf.document_html(full_record(), settings, "now")
    pools = {n: import_module(m).WorkerPool(settings.workers, settings.memory_mb, pdf._warm_up) for n, m in POOLS.items()}
    for workers in pools.values():
        workers.warm()
    time.sleep(3)  # let every warm-up finish
    figures = {
        "warm render": interleaved_medians({n: partial(w.call, pdf._render_job, html, 20) for n, w in pools.items()}),
        "trivial job round trip (the pool's own cost)": interleaved_medians(
            {n: partial(w.call, abs, -1, 20) for n, w in pools.items()}, 500
        ),
    }
    samples: defaultdict[str, defaultdict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for _ in range(REPS):
        for name, workers in pools.items():
            for label, value in zip(TIMEOUT_LABELS, timeout_and_recovery(workers, html), strict=True):
                samples[label][name].append(value)
    for workers in pools.values():
        workers.close()
    for _ in range(REPS):
        for name, module in POOLS.items():
            cold = (*cold_first_render(module), cold_first_render(module, prewarm=True, pause=1.0)[2])
            for label, value in zip(COLD_LABELS, cold, strict=True):
                samples[label][name].append(value)
    figures.update({label: {n: statistics.median(v) * 1000 for n, v in by_pool.items()} for label, by_pool in samples.items()})
    print(f"PDF pools side by side, ms (medians: warm over {RUNS} interleaved renders, the rest over {REPS} interleaved rounds):")
    print(f"  {'':52}" + "".join(f"{name:>12}" for name in POOLS))
    for label, by_pool in figures.items():
        print(f"  {label:52}" + "".join(f"{by_pool[name]:12.2f}" for name in POOLS))


def main() -> None:
    """Print the figures."""
    import weasyprint

    from triage.pdf import summary as pdf

    side_by_side()

    settings = pdf.PdfSettings()
    record = full_record()
    html = pdf.document_html(record, settings, "now")
    pages = len(__import__("pypdf").PdfReader(__import__("io").BytesIO(pdf.render_pdf(html, settings))).pages)
    plain_html = plain_two_pages()
    plain_pages = len(
        __import__("pypdf").PdfReader(__import__("io").BytesIO(weasyprint.HTML(string=plain_html).write_pdf())).pages
    )
    twin = file_url_twin(html)
    timings = interleaved_medians(
        {
            "ours": lambda: pdf.render_pdf(pdf.document_html(record, settings, "now"), settings),
            "plain": lambda: weasyprint.HTML(string=plain_html).write_pdf(),
            "bare": lambda: weasyprint.HTML(string=twin).write_pdf(),
            "in_process": lambda: pdf._render_job(html),
        }
    )
    ours, plain, bare, in_process = timings["ours"], timings["plain"], timings["bare"], timings["in_process"]
    print(f"warm median of {RUNS} renders of a full intake ({pages} pages, template + worker + fetcher + limits): {ours:.0f} ms")
    print(
        f"plain {plain_pages}-page text document, bare WeasyPrint, same process: {plain:.0f} ms; "
        f"ratio warm/plain {ours / plain:.2f}x (target <= 6x)"
    )
    print(
        f"bare WeasyPrint on the same HTML (file:// assets, no worker): {bare:.0f} ms; "
        f"our overhead {ours / bare:.2f}x (target <= 1.2x); in-process with our fetcher {in_process:.0f} ms"
    )
    direct, http = cached_repeat()
    print(
        f"repeat download from the cache: {direct:.1f} ms (intake_pdf), "
        f"{http:.1f} ms (whole HTTP POST with sign-in check and audit row) (target < 50 ms)"
    )


if __name__ == "__main__":
    main()

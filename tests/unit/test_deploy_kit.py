"""The deploy kit (deploy/): systemd-analyze verifies the units, nginx -t the proxy config, and nginx runs in front of the app.

The tools are Debian's (scripts/ensure-browser-deps installs them for `make test`); without them these tests skip,
except on CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.helpers.apps import TEST_SECRET
from triage.config import Settings
from triage.web.app import BASE_CONFIG
from triage.web.security import HSTS_VALUE, SECURITY_HEADERS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = [DEPLOY / "systemd" / "gut-triage-web.service", DEPLOY / "systemd" / "gut-triage-worker.service"]
ENV_EXAMPLE = DEPLOY / "systemd" / "gut-triage.env.example"
NGINX_SITE = DEPLOY / "nginx" / "gut-triage.conf"
VENV_BIN = Path(sys.executable).parent
SERVER_NAME = "triage.example.org"
CERT_PATHS = (f"/etc/letsencrypt/live/{SERVER_NAME}/fullchain.pem", f"/etc/letsencrypt/live/{SERVER_NAME}/privkey.pem")


def tool(name: str) -> str:
    """The path of a system tool; skips the test when it is missing (fails on CI, where it must be installed)."""
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None)
    if found:
        return found
    reason = f"{name} is not installed (Debian: run scripts/ensure-browser-deps as root, or apt-get install it)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def env_file_values(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile= reads them (comments skipped, one pair of double quotes removed)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().removeprefix('"').removesuffix('"')
    return values


def local_units(folder: Path, env_file: Path) -> list[Path]:
    """The units with the install paths replaced by ones that exist here (this venv, a real environment file)."""
    copies = []
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8").replace("/opt/gut-triage/.venv/bin", str(VENV_BIN))
        copy = folder / unit.name
        copy.write_text(text.replace("/etc/gut-triage/gut-triage.env", str(env_file)), encoding="utf-8")
        copies.append(copy)
    return copies


def unit_settings(unit: Path) -> dict[str, list[str]]:
    """Every Key=value of a unit file, by key (a key may repeat)."""
    found: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_systemd_analyze_verifies_both_units(tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    env_file = tmp_path / "gut-triage.env"
    shutil.copyfile(ENV_EXAMPLE, env_file)
    units = local_units(tmp_path, env_file)
    done = subprocess.run([analyze, "verify", "--man=no", *map(str, units)], capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    # verify only warns (exit 0) about an unknown key or a bad value: any line naming our units is a failure.
    complaints = [line for line in output.splitlines() if str(tmp_path) in line or "gut-triage" in line]
    assert done.returncode == 0, output
    assert complaints == []


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_units_run_the_app_unprivileged_and_stop_gracefully(unit: Path) -> None:
    settings = unit_settings(unit)
    for key, value in {
        "User": "gut-triage",
        "EnvironmentFile": "/etc/gut-triage/gut-triage.env",
        "KillSignal": "SIGTERM",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ReadWritePaths": "/var/lib/gut-triage",
        "Restart": "on-failure",
    }.items():
        assert settings.get(key) == [value], key
    assert int(settings["TimeoutStopSec"][0]) >= 30
    # The instance folder the units may write to is the one the environment file names.
    assert env_file_values(ENV_EXAMPLE)["TRIAGE_INSTANCE"] == settings["ReadWritePaths"][0]


def test_web_unit_runs_gunicorn_with_the_config_module_on_loopback() -> None:
    start = unit_settings(UNITS[0])["ExecStart"][0]
    assert start.startswith("/opt/gut-triage/.venv/bin/gunicorn -c python:triage.web.gunicorn_conf ")
    assert "--bind 127.0.0.1:8000" in start and start.endswith("'triage:create_app()'")
    assert "server 127.0.0.1:8000;" in NGINX_SITE.read_text(encoding="utf-8")
    assert unit_settings(UNITS[1])["ExecStart"] == ["/opt/gut-triage/.venv/bin/triage worker"]


def test_environment_example_is_valid_production_settings() -> None:
    values = env_file_values(ENV_EXAMPLE)
    assert set(values) <= set(Settings.model_fields), set(values) - set(Settings.model_fields)
    # The placeholders are meant to be replaced: with real keys the file makes valid production settings.
    values |= {"SECRET_KEY": "k3y-" + "Zq8vT2mW9xLr4NpB7cYs" * 3, "AUDIT_KEY": "a7d-" + "Hj3kP9qRt6VwXy2Zb5Nm" * 3}
    settings = Settings.model_validate(values)
    assert settings.production and settings.PROXY_HOPS == 1


def nginx_site(port_http: int, port_https: int, cert: Path, key: Path) -> str:
    """The site config on loopback ports (IPv4 only) with the test's certificate, serving `localhost`."""
    text = NGINX_SITE.read_text(encoding="utf-8").replace(CERT_PATHS[0], str(cert)).replace(CERT_PATHS[1], str(key))
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", text, flags=re.M)
    text = re.sub(r"listen 80\b", f"listen 127.0.0.1:{port_http}", text)
    text = re.sub(r"listen 443\b", f"listen 127.0.0.1:{port_https}", text)
    return text.replace(SERVER_NAME, "localhost")


@dataclass
class Proxy:
    """nginx's files for one test: main configs (the shipped site, the site on test ports), certificate, ports."""

    shipped: Path
    config: Path
    cert: Path
    http: int
    https: int
    upstream: int
    app: subprocess.Popen[bytes] | None = None


@pytest.fixture
def proxy(tmp_path: Path) -> Proxy:
    """A self-signed certificate for localhost and an nginx.conf that includes the site config, all under tmp_path."""
    openssl = tool("openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subj = ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
    command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command + subj, check=True, capture_output=True, timeout=60)
    ports = free_port(), free_port(), free_port()
    site, shipped = tmp_path / "gut-triage.conf", tmp_path / "shipped-gut-triage.conf"
    site.write_text(nginx_site(ports[0], ports[1], cert, key).replace("127.0.0.1:8000", f"127.0.0.1:{ports[2]}"))
    shipped.write_text(NGINX_SITE.read_text(encoding="utf-8").replace(CERT_PATHS[0], str(cert)).replace(CERT_PATHS[1], str(key)))
    return Proxy(main_config(tmp_path, shipped, "shipped-nginx.conf"), main_config(tmp_path, site, "nginx.conf"), cert, *ports)


def main_config(folder: Path, site: Path, name: str) -> Path:
    """An nginx.conf that includes the site, with its pid, logs and temporary files in the folder."""
    temp = "".join(f"    {kind}_temp_path {folder / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    config = folder / name
    config.write_text(
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        # One process that never changes user: the test may run as root or not.
        "daemon off;\nmaster_process off;\nevents {}\n"
        f"http {{\n    access_log off;\n{temp}    include {site};\n}}\n"
    )
    return config


def nginx_command(config: Path, *args: str) -> list[str]:
    """nginx on one of the test's configs, with its prefix and startup error log in the test's folder."""
    folder = str(config.parent)
    return [tool("nginx"), "-p", folder, "-e", f"{folder}/error.log", "-c", str(config), *args]


def test_nginx_accepts_the_site_config(proxy: Proxy) -> None:
    # As shipped (only the certificate paths filled in), and as the next test runs it on loopback ports.
    for config in (proxy.shipped, proxy.config):
        done = subprocess.run(nginx_command(config, "-t"), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "test is successful" in done.stderr


def test_nginx_config_sends_the_apps_headers_and_limit() -> None:
    text = NGINX_SITE.read_text(encoding="utf-8")
    for name, value in {**SECURITY_HEADERS, "Strict-Transport-Security": HSTS_VALUE}.items():
        variable = re.search(rf"add_header {name} (\$\w+) always;", text)
        assert variable, name
        assert f'map $upstream_http_{name.lower().replace("-", "_")} {variable.group(1)} {{\n    ""      "{value}";' in text
    assert BASE_CONFIG["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert "client_max_body_size 1m;" in text


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, verify: str | bool = True) -> None:
    """Wait until url answers, failing with the process's log if it exits or takes over 60 s."""
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(url, timeout=5, verify=verify)
            return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


@pytest.fixture
def proxied_app(proxy: Proxy, db_url: str, tmp_path: Path) -> Iterator[Proxy]:
    """gunicorn serving the app (as the web unit runs it, one worker) behind nginx with the site config."""
    env = os.environ | {
        "TRIAGE_ENV": "test",
        "DATABASE_URL": db_url,
        "SECRET_KEY": TEST_SECRET,
        "TRIAGE_INSTANCE": str(tmp_path / "instance"),
        "PROXY_HOPS": "1",
        "PDF_PREWARM": "0",
        "PYTHONPATH": str(ROOT),
    }
    app_log, nginx_log = tmp_path / "gunicorn.log", tmp_path / "nginx.out"
    gunicorn = [str(VENV_BIN / "gunicorn"), "-c", "python:triage.web.gunicorn_conf", "--bind", f"127.0.0.1:{proxy.upstream}"]
    with app_log.open("w") as out:
        app = subprocess.Popen([*gunicorn, "--workers", "1", "triage:create_app()"], env=env, cwd=ROOT, stdout=out, stderr=out)
    with nginx_log.open("w") as out:
        nginx = subprocess.Popen(nginx_command(proxy.config), stdout=out, stderr=out)
    try:
        wait_for(f"http://127.0.0.1:{proxy.upstream}/staff/login", app, app_log)
        wait_for(f"https://localhost:{proxy.https}/staff/login", nginx, proxy.config.parent / "error.log", verify=str(proxy.cert))
        proxy.app = app
        yield proxy
    finally:
        for process in (nginx, app):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_nginx_in_front_of_the_app_adds_tls_headers_and_the_limit(proxied_app: Proxy) -> None:
    base = f"https://localhost:{proxied_app.https}"
    page = requests.get(base + "/staff/login", verify=str(proxied_app.cert), timeout=20)
    assert page.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        # Once, with the app's value: nginx adds none of its own when the app sent it.
        assert page.raw.headers.getlist(name) == [value], name
    # The test app sends no HSTS (not production), so nginx adds it.
    assert page.raw.headers.getlist("Strict-Transport-Security") == [HSTS_VALUE]

    too_big = requests.post(base + "/staff/login", data=b"x" * (2 * 1024 * 1024), verify=str(proxied_app.cert), timeout=20)
    assert too_big.status_code == 413
    for name, value in {**SECURITY_HEADERS, "Strict-Transport-Security": HSTS_VALUE}.items():
        assert too_big.raw.headers.getlist(name) == [value], name
    # Just under the limit the body reaches the app, which refuses the form without its CSRF token.
    under = requests.post(base + "/staff/login", data=b"x" * (1024 * 1024 - 4096), verify=str(proxied_app.cert), timeout=20)
    assert under.status_code == 400 and under.headers["Cache-Control"] == "no-store"

    plain = requests.get(f"http://localhost:{proxied_app.http}/staff/login?next=x", allow_redirects=False, timeout=20)
    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://localhost/staff/login?next=x"

    # A name nginx does not serve gets no certificate and no page.
    context = ssl.create_default_context(cafile=str(proxied_app.cert))
    with socket.create_connection(("127.0.0.1", proxied_app.https), timeout=10) as raw:
        with pytest.raises(ssl.SSLError):
            context.wrap_socket(raw, server_hostname="other.example")

    # While the app is down (an upgrade), nginx's own 502 carries the headers too.
    assert proxied_app.app is not None
    proxied_app.app.send_signal(signal.SIGTERM)
    proxied_app.app.wait(timeout=30)
    down = requests.get(base + "/staff/login", verify=str(proxied_app.cert), timeout=20)
    assert down.status_code == 502
    for name, value in {**SECURITY_HEADERS, "Strict-Transport-Security": HSTS_VALUE}.items():
        assert down.raw.headers.getlist(name) == [value], name

"""The documented deployment (docs/deploy/): its systemd units verify, and its nginx config, as shipped but for
ports and paths, puts TLS in front of two real backend processes that share one database."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.backend.conftest import COLA_CODE, EventListener, UnitActor, checked_out_trip, free_port, staff_login

DEPLOY = Path(__file__).parents[2] / "docs" / "deploy"
BASKETCHECK = Path(sys.executable).parent / "basketcheck"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SECRET = "deployment-test-secret-0123456789"

pytestmark = pytest.mark.slow


def shipped(name: str, replacements: dict[str, str]) -> str:
    """A file of docs/deploy with the given replacements, each of which must occur (so the docs cannot drift)."""
    text = (DEPLOY / name).read_text()
    for old, new in replacements.items():
        assert old in text, f"docs/deploy/{name} no longer contains {old!r}"
        text = text.replace(old, new)
    return text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    venv = str(Path(sys.executable).parents[1])
    for name in ("basketcheck-migrate.service", "basketcheck-backend@.service", "basketcheck-unit.service"):
        text = shipped(name, {"/opt/basketcheck/.venv": venv})
        (tmp_path / name).write_text(text.replace("/etc/basketcheck", str(tmp_path)))
    (tmp_path / "backend.env").write_text((DEPLOY / "backend.env.example").read_text())
    units = ["./basketcheck-migrate.service", "./basketcheck-backend@8001.service", "./basketcheck-unit.service"]
    result = subprocess.run(
        ["systemd-analyze", "verify", *units], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "store.example")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("store.example"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    """A backend process as basketcheck-backend@PORT.service starts it."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BASKETCHECK_ENVIRONMENT": "production",
        "BASKETCHECK_SECRET_KEY": SECRET,
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    command = [str(BASKETCHECK), "backend", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(base: str, process: subprocess.Popen[bytes], **options: object) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1, **options).status_code == 200:  # type: ignore[arg-type]
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"exited: {process.stderr.read().decode() if process.stderr else ''}")
        time.sleep(0.2)
    raise RuntimeError(f"{base} did not become ready")


@dataclass
class Store:
    https: str
    http: str
    backends: list[str]
    ca: Path


@pytest.fixture
def store(migrated_engine, tmp_path: Path) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: `make test` installs it (Debian package nginx-light)")
    url = migrated_engine.url.render_as_string(hide_password=False)
    ports = [free_port(), free_port()]
    https_port, http_port = free_port(), free_port()
    cert, key = self_signed(tmp_path)
    site = shipped(
        "nginx.conf",
        {
            "server 127.0.0.1:8001": f"server 127.0.0.1:{ports[0]}",
            "server 127.0.0.1:8002": f"server 127.0.0.1:{ports[1]}",
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
            "/etc/ssl/basketcheck/fullchain.pem": str(cert),
            "/etc/ssl/basketcheck/privkey.pem": str(key),
        },
    )
    (tmp_path / "basketcheck.conf").write_text(site)
    temp = {k: tmp_path / k for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (tmp_path / "nginx.conf").write_text(
        f"daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n  access_log off;\n"
        + "".join(f"  {k}_temp_path {v};\n" for k, v in temp.items())
        + f"  include {tmp_path}/basketcheck.conf;\n}}\n"
    )
    conf = ["-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run([NGINX, "-t", *conf], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    backends = [serve(url, port) for port in ports]
    proxy = subprocess.Popen([NGINX, *conf], stderr=subprocess.PIPE)
    try:
        for port, process in zip(ports, backends, strict=True):
            wait_ready(f"http://127.0.0.1:{port}", process)
        wait_ready(f"https://127.0.0.1:{https_port}", proxy, verify=str(cert))
        yield Store(
            f"https://127.0.0.1:{https_port}",
            f"http://127.0.0.1:{http_port}",
            [f"http://127.0.0.1:{p}" for p in ports],
            cert,
        )
    finally:
        for process in [proxy, *backends]:
            process.terminate()
        for process in [proxy, *backends]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def requests_served(backend: str) -> float:
    metrics = httpx.get(f"{backend}/metrics", timeout=5).text
    return sum(
        float(n) for n in re.findall(r'basketcheck_http_requests_total\{[^}]*route="/readyz"[^}]*\} (\S+)', metrics)
    )


def test_tls_in_front_of_two_backend_processes(store: Store, unit_credentials, migrated_engine) -> None:  # type: ignore[no-untyped-def]
    plain = httpx.get(f"{store.http}/staff", timeout=5)
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://")

    with httpx.Client(base_url=store.https, verify=str(store.ca), timeout=20) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and "max-age" in ready.headers["strict-transport-security"]
        for _ in range(20):
            client.get("/readyz")
        login = client.post("/v1/staff/login", json={"username": "alice", "password": "correct horse battery"})
        assert login.status_code == 200 and "secure" in login.headers["set-cookie"].lower()
    assert all(requests_served(backend) > 0 for backend in store.backends)  # the proxy used both processes

    # Live updates through the proxy: the stream opens at once (unbuffered), and on PostgreSQL, the production
    # database, a flag raised by a unit through whichever process reaches the dashboard's stream on either.
    # (SQLite's events stay in their process: several processes need PostgreSQL, as docs/deployment.md says.)
    with httpx.Client(base_url=store.https, verify=str(store.ca), timeout=20) as staff:
        staff_login(staff, "alice")
        with staff.stream("GET", "/v1/staff/events") as stream:
            assert next(stream.iter_lines()) == "retry: 2000"
    if migrated_engine.dialect.name != "postgresql":
        return
    with httpx.Client(base_url=store.https, verify=str(store.ca), timeout=20) as staff:
        staff_login(staff, "alice")
        with (
            EventListener(staff, "flag") as listener,
            httpx.Client(base_url=store.https, verify=str(store.ca), timeout=20) as http,
        ):
            unit = UnitActor(http, unit_credentials)
            checked_out_trip(http, unit, COLA_CODE)
            assert unit.send_verdict(unit.verdict_body(unit.session(), "FLAG")).status_code == 200
    assert listener.seen == ["event: flag"]

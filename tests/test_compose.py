"""The compose stack publishes only the reverse proxy, and the proxy decides
the client address the site's limits count (there is no Docker engine here:
the files are read, and nginx checks its configuration if it is installed)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_only_the_proxy_is_published(compose):
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert "web" not in published
    assert "proxy" in published
    assert published <= {"proxy", "mailpit"}


def test_the_proxy_forwards_to_gunicorn_with_its_own_configuration(compose):
    proxy = compose["services"]["proxy"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert "--bind 0.0.0.0:8000" in compose["services"]["web"]["command"]
    assert re.search(r"server web:8000;", NGINX_CONF.read_text())


def test_the_site_trusts_exactly_one_proxy(compose):
    environment = compose["services"]["web"]["environment"]
    assert environment["BEHIND_PROXY"] == "true"
    assert environment["TRUSTED_PROXY_COUNT"] == "1"


def test_the_proxy_overwrites_what_a_client_sent_as_x_forwarded_for():
    directives = re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(.+);", NGINX_CONF.read_text(), re.M)
    headers = dict(directives)
    assert headers["X-Forwarded-For"] == "$remote_addr"
    assert "$proxy_add_x_forwarded_for" not in NGINX_CONF.read_text()


def test_the_proxy_configuration_is_valid_nginx(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        service_missing("needs nginx (apt-get install nginx-light)")
    # "web" only resolves inside compose.
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.read_text().replace("server web:8000;", "server 127.0.0.1:8000;"))
    result = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-p", str(tmp_path), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr

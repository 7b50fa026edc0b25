"""Where a profile's logins and API calls go (issue 10, defect 10): never plain http beyond
loopback, and every https custom domain reached as configured — My Domain, sandboxes,
test.salesforce.com, Government Cloud, Experience Cloud sites (also with a path prefix).

The custom-domain tests run the real simple-salesforce against the demo org in process: a
recording transport on every session answers for any host, so nothing leaves the machine."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from flowstage_tui.cli.main import main
from flowstage_tui.config.store import Profile, parse_config
from flowstage_tui.emulator.adapter import EmulatorAdapter
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.errors import ConfigError
from flowstage_tui.salesforce import auth as auth_module
from flowstage_tui.salesforce import client as client_module
from flowstage_tui.salesforce.auth import build_connection

# ---------------------------------------------------------------- plain http


def profile_text(key: str, url: str) -> str:
    auth = {"login_url": 'auth = "password"\nusername = "a@b.c"',
            "instance_url": 'auth = "access-token"'}[key]
    return f'[profiles.prod]\n{auth}\n{key} = "{url}"\n'


@pytest.mark.parametrize("key", ["login_url", "instance_url"])
@pytest.mark.parametrize("url", ["http://acme.my.salesforce.com", "http://login.salesforce.com/",
                                 "http://10.0.0.5:8080", "http://localhost.example.com",
                                 "http://127.0.0.1.nip.io", "http://[2001:db8::1]:80"])
def test_plain_http_beyond_loopback_is_refused_saying_why(key: str, url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(Path("config.toml"), profile_text(key, url))
    message = str(caught.value)
    assert f"profiles.prod.{key}: http:// would send the password or token in clear text" \
        in message
    assert "use https://" in message and "\n" not in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8443", "http://127.9.9.9", "http://[::1]:9000",
                                 "http://localhost:1234", "https://acme.my.salesforce.com",
                                 "https://acme.force.com/customers", "https://127.0.0.1:8443/"])
@pytest.mark.parametrize("key", ["login_url", "instance_url"])
def test_https_anywhere_and_http_on_loopback_are_accepted(key: str, url: str) -> None:
    cfg = parse_config(Path("c.toml"), profile_text(key, url))
    assert cfg.profiles["prod"].get(key) == url


@pytest.mark.parametrize(("url", "needle"), [
    ("https://acme.lightning.force.com", "use https://acme.my.salesforce.com"),
    ("https://acme--uat.sandbox.lightning.force.com",
     "use https://acme--uat.sandbox.my.salesforce.com"),
    ("https://me:secret@acme.my.salesforce.com", "no user name or password in the URL"),
    ("https://acme.my.salesforce.com/?x=1", "must be a URL like"),
    ("ftp://acme.my.salesforce.com", "must be a URL like"),
    ("https://", "must be a URL like"),
    ("https://acme.my.salesforce.com:99999", "must be a URL like"),
])
def test_urls_that_cannot_be_a_login_host_say_what_to_write(url: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=r"profiles\.prod\.login_url: ") as caught:
        parse_config(Path("c.toml"), profile_text("login_url", url))
    assert needle in str(caught.value)


def test_profiles_add_refuses_http_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    assert main(["profiles", "add", "prod", "--auth", "password", "--username", "a@b.c",
                 "--login-url", "http://acme.my.salesforce.com", "--config", str(path)]) == 2
    assert "clear text" in capsys.readouterr().err
    assert not path.exists()


# ---------------------------------------------------------------- custom domains


@dataclass
class Call:
    method: str
    url: str
    body: bytes
    headers: Mapping[str, str]


class RecordingAdapter(EmulatorAdapter):
    """Answers for every host like the org behind `origin` would, and records each request.
    A site's path prefix (`/customers`) is served like the org's root, as Salesforce does."""

    def __init__(self, org: DemoOrg, origin: str, calls: list[Call]) -> None:
        super().__init__(org, origin=origin)
        self.calls = calls
        self.prefix = urlsplit(origin).path.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        body = request.body or b""
        self.calls.append(Call(request.method or "", request.url or "",
                               body.encode() if isinstance(body, str) else body,
                               dict(request.headers)))
        parts = urlsplit(request.url or "")
        if self.prefix and parts.path.startswith(self.prefix + "/"):
            request.url = parts._replace(path=parts.path[len(self.prefix):]).geturl()
        return super().send(request, *args, **kwargs)


@pytest.fixture
def key_file(org: DemoOrg, tmp_path: Path) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "jwt.key"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    org.credentials.jwt_certificate_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return str(path)


@pytest.fixture
def wire(org: DemoOrg, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """wire(origin) -> the list every request of every session made by flowstage lands in."""
    calls: list[Call] = []
    origin_box: list[str] = []

    def mount(session: requests.Session) -> None:
        adapter = RecordingAdapter(org, origin_box[0], calls)
        session.mount("https://", adapter)
        session.mount("http://", adapter)  # nothing may reach a real network

    class Plain(client_module.TimeoutSession):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            mount(self)

    class Redirect(client_module.RedirectSession):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            mount(self)

    monkeypatch.setattr(client_module, "TimeoutSession", Plain)
    monkeypatch.setattr(client_module, "RedirectSession", Redirect)

    def start(origin: str) -> list[Call]:
        origin_box.append(origin)
        return calls

    yield start


def secrets(monkeypatch: pytest.MonkeyPatch, org: DemoOrg) -> None:
    monkeypatch.setenv("T_PW", org.credentials.password)
    monkeypatch.setenv("T_TOKEN", org.credentials.security_token)
    monkeypatch.setenv("T_SECRET", org.credentials.client_secret)


def profile_for(kind: str, login_url: str, org: DemoOrg, key_file: str) -> Profile:
    values: dict[str, Any] = {"auth": kind, "login_url": login_url, "api_version": "62.0"}
    if kind == "password":
        values |= {"username": org.credentials.username, "password_env": "T_PW",
                   "security_token_env": "T_TOKEN"}
    elif kind == "jwt":
        values |= {"username": org.credentials.username, "client_id": org.credentials.client_id,
                   "private_key_file": key_file}
    else:
        values |= {"client_id": org.credentials.client_id, "client_secret_env": "T_SECRET"}
    return Profile("custom", kind, values)


def audience(call: Call) -> str:
    import jwt

    assertion = parse_qs(call.body.decode())["assertion"][0]
    claims = jwt.decode(assertion, options={"verify_signature": False})
    return str(claims["aud"])


# (auth kind, login_url, where the login must go, JWT audience, the org's instance URL)
HOSTS = [
    ("password", "https://acme.my.salesforce.com",
     "https://acme.my.salesforce.com/services/Soap/u/62.0", None, "https://acme.my.salesforce.com"),
    ("password", "https://acme--uat.sandbox.my.salesforce.com",
     "https://acme--uat.sandbox.my.salesforce.com/services/Soap/u/62.0", None,
     "https://acme--uat.sandbox.my.salesforce.com"),
    ("password", "https://test.salesforce.com",
     "https://test.salesforce.com/services/Soap/u/62.0", None, "https://cs42.salesforce.com"),
    ("password", "https://acme.my.salesforce.mil",
     "https://acme.my.salesforce.mil/services/Soap/u/62.0", None, "https://acme.my.salesforce.mil"),
    ("password", "https://acme.force.com/customers",
     "https://acme.force.com/customers/services/Soap/u/62.0", None,
     "https://acme.force.com/customers"),
    ("jwt", "https://acme.my.salesforce.com", "https://acme.my.salesforce.com/services/oauth2/token",
     "https://login.salesforce.com", "https://acme.my.salesforce.com"),
    ("jwt", "https://acme--uat.sandbox.my.salesforce.com",
     "https://acme--uat.sandbox.my.salesforce.com/services/oauth2/token",
     "https://test.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com"),
    ("jwt", "https://test.salesforce.com", "https://test.salesforce.com/services/oauth2/token",
     "https://test.salesforce.com", "https://cs42.salesforce.com"),
    ("jwt", "https://acme.my.salesforce.mil", "https://acme.my.salesforce.mil/services/oauth2/token",
     "https://login.salesforce.com", "https://acme.my.salesforce.mil"),
    ("jwt", "https://acme.my.site.com", "https://acme.my.site.com/services/oauth2/token",
     "https://acme.my.site.com", "https://acme.my.site.com"),
    ("jwt", "https://acme.force.com/customers",
     "https://acme.force.com/customers/services/oauth2/token",
     "https://acme.force.com/customers", "https://acme.force.com/customers"),
    ("client-credentials", "https://acme.my.salesforce.com",
     "https://acme.my.salesforce.com/services/oauth2/token", None,
     "https://acme.my.salesforce.com"),
    ("client-credentials", "https://acme.my.site.com/partners",
     "https://acme.my.site.com/partners/services/oauth2/token", None,
     "https://acme.my.site.com/partners"),
]


@pytest.mark.parametrize(("kind", "login_url", "login_at", "aud", "instance"), HOSTS,
                         ids=[f"{h[0]} {h[1]}" for h in HOSTS])
def test_each_custom_domain_gets_the_login_and_the_api_calls(
        kind: str, login_url: str, login_at: str, aud: str | None, instance: str,
        wire: Any, org: DemoOrg, key_file: str, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets(monkeypatch, org)
    parse_config(Path("c.toml"), f'[profiles.p]\nauth = "demo"\nlogin_url = "{login_url}"\n')
    calls = wire(instance)
    client, _ = build_connection(profile_for(kind, login_url, org, key_file)).open()
    assert calls[0].method == "POST" and calls[0].url == login_at
    if aud is not None:
        assert audience(calls[0]) == aud
    if kind == "client-credentials":
        basic = calls[0].headers["Authorization"].split()[1]
        assert base64.b64decode(basic).decode().startswith(org.credentials.client_id + ":")
    assert client.credentials.instance_url == instance
    assert client.query("SELECT Id FROM FlowOrchestrationInstance LIMIT 2")
    api = [c.url for c in calls[1:]]
    assert api and all(u.startswith(instance + "/services/data") for u in api), api


@pytest.mark.parametrize(("login_url", "aud"), [
    ("https://login.salesforce.com", "https://login.salesforce.com"),
    ("https://test.salesforce.com/", "https://test.salesforce.com"),
    ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
    ("https://acme--dev.sandbox.my.salesforce.com", "https://test.salesforce.com"),
    ("https://cs42.salesforce.com", "https://test.salesforce.com"),
    ("https://acme.my.salesforce.mil", "https://login.salesforce.com"),
    ("https://acme--dev.sandbox.my.salesforce.mil", "https://test.salesforce.com"),
    ("https://acme.my.site.com", "https://acme.my.site.com"),
    ("https://acme--dev.sandbox.my.site.com/help/", "https://acme--dev.sandbox.my.site.com/help"),
    ("https://acme.force.com/customers", "https://acme.force.com/customers"),
    ("https://support.example.com/s", "https://support.example.com/s"),
    ("http://127.0.0.1:8443", "https://login.salesforce.com"),
])
def test_jwt_audience_follows_salesforce_rules(login_url: str, aud: str) -> None:
    """login/test for the org's own hosts (sandboxes: test), the site URL for Experience
    Cloud (Salesforce's JWT bearer flow documentation; the sf CLI's getJwtAudienceUrl)."""
    assert auth_module.jwt_audience(login_url) == aud


def test_loopback_demo_server_still_logs_in_over_http(org: DemoOrg,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from flowstage_tui.emulator.server import make_server, serve_in_thread

    server = make_server(org, "127.0.0.1", 0)
    serve_in_thread(server)
    try:
        secrets(monkeypatch, org)
        profile = profile_for("password", server.origin, org, "")
        client, _ = build_connection(profile).open()
        assert client.credentials.instance_url == server.origin
        assert json.dumps(client.query("SELECT Id FROM User LIMIT 1"))
    finally:
        server.shutdown()
        server.server_close()

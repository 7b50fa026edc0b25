"""Logins the demo org answers: SOAP `login`, the OAuth 2.0 token endpoint, identity."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from .errors import ApiError

if TYPE_CHECKING:
    from .org import DemoOrg

PARTNER_NS = "urn:partner.soap.sforce.com"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
LOGIN_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def soap_fault(code: str, message: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="'
        f'{SOAP_NS}" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi='
        '"http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring>"
        f'<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}'
        f"</sf:exceptionCode><sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )


INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


def soap_login(org: DemoOrg, body: bytes, origin: str, version: str) -> tuple[int, str]:
    """Answer a partner-API login. Returns (HTTP status, XML)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return 500, soap_fault("INVALID_LOGIN", INVALID_LOGIN)
    ns = {"p": PARTNER_NS}
    username = root.findtext(".//p:login/p:username", namespaces=ns) or ""
    password = root.findtext(".//p:login/p:password", namespaces=ns) or ""
    org_scope = root.findtext(".//p:LoginScopeHeader/p:organizationId", namespaces=ns)
    creds = org.credentials
    ok_user = username.lower() == creds.username.lower()
    ok_pass = password == creds.password + creds.security_token or (
        org_scope is not None and org_scope[:15] == org.org_id[:15] and password == creds.password)
    if not (ok_user and ok_pass):
        return 500, soap_fault("INVALID_LOGIN", INVALID_LOGIN)
    with org.lock:
        session = org.new_session(org.admin_id)
        user = org.store.get("User", org.admin_id) or {}
    org15 = org.org_id[:15]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="'
        f'{SOAP_NS}" xmlns="{PARTNER_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{origin}/services/Soap/m/{version}/{org15}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{origin}/services/Soap/u/{version}/{org15}</serverUrl>"
        f"<sessionId>{escape(session.token)}</sessionId><userId>{org.admin_id}</userId>"
        "<userInfo><accessibilityMode>false</accessibilityMode>"
        "<currencySymbol>$</currencySymbol><orgAttachmentFileSizeLimit>5242880"
        "</orgAttachmentFileSizeLimit><orgDefaultCurrencyIsoCode>USD"
        "</orgDefaultCurrencyIsoCode><orgDisallowHtmlAttachments>false"
        "</orgDisallowHtmlAttachments><orgHasPersonAccounts>false</orgHasPersonAccounts>"
        f"<organizationId>{org.org_id}</organizationId><organizationMultiCurrency>false"
        "</organizationMultiCurrency><organizationName>Acme Demo Org</organizationName>"
        "<profileId>00eRM000000DEMOAAA</profileId><roleId xsi:nil=\"true\"/>"
        "<sessionSecondsValid>7200</sessionSecondsValid>"
        f"<userDefaultCurrencyIsoCode xsi:nil=\"true\"/><userEmail>{escape(user.get('Email', ''))}"
        f"</userEmail><userFullName>{escape(user.get('Name', ''))}</userFullName>"
        f"<userId>{org.admin_id}</userId><userLanguage>en_US</userLanguage>"
        f"<userLocale>en_US</userLocale><userName>{escape(user.get('Username', ''))}</userName>"
        "<userTimeZone>GMT</userTimeZone><userType>Standard</userType>"
        "<userUiSkin>Theme3</userUiSkin></userInfo></result></loginResponse></soapenv:Body>"
        "</soapenv:Envelope>"
    )
    return 200, xml


def _signature(org: DemoOrg, identity: str, issued_at: str) -> str:
    mac = hmac.new(org.credentials.client_secret.encode(), (identity + issued_at).encode(),
                   hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def token_response(org: DemoOrg, origin: str, user_id: str,
                   refresh: bool = False) -> dict[str, Any]:
    session = org.new_session(user_id)
    identity = f"{origin}/id/{org.org_id}/{user_id}"
    issued = str(int(time.time() * 1000))
    out = {"access_token": session.token, "instance_url": origin, "id": identity,
           "token_type": "Bearer", "issued_at": issued,
           "signature": _signature(org, identity, issued), "scope": "api refresh_token"}
    if refresh:
        out["refresh_token"] = org.issue_refresh_token()
    return out


def _verify_jwt(org: DemoOrg, assertion: str, origin: str) -> None:
    import jwt
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    pem = org.credentials.jwt_certificate_pem
    if pem is None:
        raise OAuthError("invalid_client", "invalid client credentials")
    key: Any
    if b"BEGIN CERTIFICATE" in pem:
        key = x509.load_pem_x509_certificate(pem).public_key()
    else:
        key = load_pem_public_key(pem)
    try:
        claims = jwt.decode(assertion, key, algorithms=["RS256"],
                            options={"verify_exp": False, "verify_aud": False})
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_grant", "invalid assertion") from exc
    if claims.get("iss") != org.credentials.client_id:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if claims.get("aud") not in (*LOGIN_AUDIENCES, origin):
        raise OAuthError("invalid_grant", "audience is invalid")
    try:
        exp = float(claims.get("exp", 0))
    except (TypeError, ValueError) as exc:
        raise OAuthError("invalid_grant", "invalid assertion") from exc
    if exp < time.time():
        raise OAuthError("invalid_grant", "expired authorization code")
    if str(claims.get("sub", "")).lower() != org.credentials.username.lower():
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")


def oauth_token(org: DemoOrg, body: bytes, headers: dict[str, str],
                origin: str) -> dict[str, Any]:
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type")
    creds = org.credentials
    if not grant:
        raise OAuthError("invalid_request", "grant type is missing")
    client_id = form.get("client_id")
    client_secret = form.get("client_secret")
    basic = headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        try:
            client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
        except ValueError as exc:
            raise OAuthError("invalid_client", "invalid client credentials") from exc
    with org.lock:
        if grant == "password":
            if client_id != creds.client_id:
                raise OAuthError("invalid_client_id", "client identifier invalid")
            if client_secret != creds.client_secret:
                raise OAuthError("invalid_client", "invalid client credentials")
            if (form.get("username", "").lower() != creds.username.lower() or
                    form.get("password") != creds.password + creds.security_token):
                raise OAuthError("invalid_grant", "authentication failure")
            return token_response(org, origin, org.admin_id)
        if grant == "client_credentials":
            if client_id != creds.client_id:
                raise OAuthError("invalid_client_id", "client identifier invalid")
            if client_secret != creds.client_secret:
                raise OAuthError("invalid_client", "invalid client credentials")
            out = token_response(org, origin, org.admin_id)
            out.pop("id_token", None)
            return out
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            _verify_jwt(org, form.get("assertion", ""), origin)
            out = token_response(org, origin, org.admin_id)
            for k in ("issued_at", "signature"):
                out.pop(k)
            return out
        if grant == "refresh_token":
            if client_id != creds.client_id:
                raise OAuthError("invalid_client_id", "client identifier invalid")
            if form.get("refresh_token") not in creds.refresh_tokens:
                raise OAuthError("invalid_grant", "expired access/refresh token")
            return token_response(org, origin, org.admin_id)
    raise OAuthError("unsupported_grant_type", "grant type not supported")


def identity(org: DemoOrg, origin: str, user_id: str) -> dict[str, Any]:
    user = org.store.get("User", user_id)
    if user is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    base = f"{origin}/services/data/v{{version}}"
    return {
        "id": f"{origin}/id/{org.org_id}/{user_id}", "asserted_user": True,
        "user_id": user_id, "organization_id": org.org_id, "username": user["Username"],
        "nick_name": user["Alias"], "display_name": user["Name"], "email": user["Email"],
        "email_verified": True, "first_name": user["FirstName"], "last_name": user["LastName"],
        "timezone": "GMT", "photos": {}, "addr_street": None, "addr_city": None,
        "addr_state": None, "addr_country": None, "addr_zip": None, "mobile_phone": None,
        "mobile_phone_verified": False, "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": {k: base.replace("{version}", "{version}") + suffix for k, suffix in (
            ("enterprise", "/"), ("rest", "/"), ("sobjects", "/sobjects/"),
            ("search", "/search/"), ("query", "/query/"), ("recent", "/recent/"),
            ("tooling_rest", "/tooling/"), ("tooling_soap", ""), ("metadata", ""),
            ("partner", ""))} | {"profile": f"{origin}/{user_id}",
                                   "feeds": None, "groups": None, "users": None,
                                   "feed_items": None, "feed_elements": None,
                                   "custom_domain": origin},
        "active": True, "user_type": "STANDARD", "language": "en_US", "locale": "en_US",
        "utcOffset": 0, "last_modified_date": "2026-01-01T00:00:00.000+0000",
        "is_app_installed": True,
    }


def userinfo(org: DemoOrg, origin: str, user_id: str) -> dict[str, Any]:
    user = org.store.get("User", user_id) or {}
    return {
        "sub": f"{origin}/id/{org.org_id}/{user_id}", "user_id": user_id,
        "organization_id": org.org_id, "preferred_username": user.get("Username"),
        "nickname": user.get("Alias"), "name": user.get("Name"), "email": user.get("Email"),
        "email_verified": True, "given_name": user.get("FirstName"),
        "family_name": user.get("LastName"), "zoneinfo": "GMT", "photos": {},
        "profile": f"{origin}/{user_id}", "picture": None, "address": {},
        "is_salesforce_integration_user": False,
        "urls": {"rest": f"{origin}/services/data/v{{version}}/",
                 "sobjects": f"{origin}/services/data/v{{version}}/sobjects/",
                 "query": f"{origin}/services/data/v{{version}}/query/",
                 "custom_domain": origin},
        "active": True, "user_type": "STANDARD", "language": "en_US", "locale": "en_US",
        "utcOffset": 0, "updated_at": "2026-01-01T00:00:00Z", "is_app_installed": True,
    }

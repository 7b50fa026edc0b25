"""Opening a connection: log in, negotiate the API version, detect what the org offers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import QueryRefused
from . import capabilities as capmod
from .capabilities import OBJECTS, Capabilities
from .credentials import Credentials
from .models import OrgInfo

if TYPE_CHECKING:
    from .client import SalesforceClient

ORG_QUERY = ("SELECT Id, Name, InstanceName, IsSandbox, OrganizationType FROM Organization "
             "LIMIT 1")


@dataclass
class Connection:
    """Everything needed to (re)open a client for one org; `open()` runs on the worker."""

    login: Callable[[], Credentials]
    session_factory: Callable[[], Any] | None = None  # default: a TimeoutSession
    api_cap: str | None = None
    cache_dir: Path | None = None
    reauth: Callable[[], Credentials] | None = None
    sleep: Callable[[float], None] = time.sleep
    org: OrgInfo | None = field(default=None, init=False)
    label: str = "org"

    def open(self) -> tuple[SalesforceClient, Capabilities]:
        from .client import SalesforceClient, TimeoutSession, pick_version

        creds = self.login()
        session = (self.session_factory or TimeoutSession)()
        client = SalesforceClient(creds, self.api_cap or "59.0", session,
                                  reauth=self.reauth or self.login, sleep=self.sleep)
        version = pick_version(client.versions(), self.api_cap)
        client.set_version(version)
        res = client.composite([("org", ORG_QUERY), ("global", "sobjects")])
        org_rows = (res["org"].body or {}).get("records") if res["org"].ok else None
        if not res["global"].ok:
            raise QueryRefused("The org would not describe its objects.",
                               detail=str(res["global"].body))
        org_row: dict[str, Any] = org_rows[0] if org_rows else {}
        org_id = str(org_row.get("Id") or "unknown-org")
        self.org = OrgInfo(org_id=org_id, name=str(org_row.get("Name") or "Salesforce org"),
                           instance_url=client.credentials.instance_url, api_version=version,
                           is_sandbox=bool(org_row.get("IsSandbox")),
                           org_type=org_row.get("OrganizationType"))
        present = {o["name"] for o in res["global"].body.get("sobjects", [])} & set(OBJECTS)
        caps = capmod.load_cached(self.cache_dir, org_id, version)
        if caps is None or set(caps.fields) != present:
            described = client.composite([(name, f"sobjects/{name}/describe")
                                          for name in sorted(present)])
            caps = capmod.from_describes(
                version, present, {k: v.body for k, v in described.items() if v.ok})
            capmod.store_cached(self.cache_dir, org_id, caps)
        return client, caps


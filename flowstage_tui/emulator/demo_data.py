"""Deterministic demo data: orchestrations, people, queues and a month of runs.

Everything comes from one `random.Random(seed)`, so a seed names an org exactly. The texts
are what real orgs hold: multi-line and very long messages, emoji and CJK, HTML from rich-text
posts, square brackets (which look like Rich markup), backslashes and quotes.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, replace

from .ids import IdMinter, base62, to18
from .store import Record

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MIN_MS = 60_000


@dataclass(frozen=True)
class StepDef:
    name: str
    label: str
    interactive: bool
    assignee: str = ""  # "user" | "queue" | ""


@dataclass(frozen=True)
class StageDef:
    name: str
    label: str
    steps: tuple[StepDef, ...]


@dataclass(frozen=True)
class OrchestrationDef:
    api_name: str
    label: str
    flow_type: str
    version: int
    stages: tuple[StageDef, ...]
    trigger_object: str | None = None
    # What its work items are about (RelatedRecordId): the triggering record when there is
    # one; else the record an autolaunched orchestration is handed (its recordId input), or
    # None: the run itself, as when no record is given.
    context_object: str | None = None

    @property
    def context(self) -> str | None:
        return self.trigger_object or self.context_object


def _bg(name: str, label: str) -> StepDef:
    return StepDef(name, label, False)


def _ui(name: str, label: str, assignee: str = "user") -> StepDef:
    return StepDef(name, label, True, assignee)


ORCHESTRATIONS: tuple[OrchestrationDef, ...] = (
    OrchestrationDef("Employee_Onboarding", "Employee Onboarding", "OrchRecTrigAftSave",
                     7, (
        StageDef("Prepare_Paperwork", "Prepare Paperwork",
                 (_bg("Create_HR_Record", "Create HR Record"), _ui("Sign_Contract", "Sign Contract"))),
        StageDef("IT_Provisioning", "IT Provisioning",
                 (_ui("Order_Laptop", "Order Laptop", "queue"),
                  _bg("Create_Accounts", "Create Accounts"))),
        StageDef("Manager_Welcome", "Manager Welcome", (_ui("Welcome_Call", "Welcome Call"),)),
        StageDef("Benefits_Enrollment", "Benefits Enrollment",
                 (_ui("Choose_Plan", "Choose Benefits Plan"),)),
        StageDef("First_Week_Review", "First Week Review",
                 (_ui("Review_Checklist", "Review Checklist"),)),
    ), "Contact"),
    OrchestrationDef("Quote_Approval", "Quote Approval [Enterprise]", "OrchRecTrigAftSave",
                     12, (
        StageDef("Validate_Quote", "Validate Quote", (_bg("Check_Discounts", "Check Discounts"),)),
        StageDef("Deal_Desk_Review", "Deal Desk Review",
                 (_ui("Deal_Desk_Approval", "Deal Desk Approval", "queue"),)),
        StageDef("Finance_Approval", "Finance Approval",
                 (_ui("CFO_Sign_Off", "CFO Sign-off"), _bg("Update_Forecast", "Update Forecast"))),
        StageDef("Legal_Review", "Legal Review", (_ui("Legal_Check", "Legal Check", "queue"),)),
        StageDef("Send_to_Customer", "Send to Customer", (_bg("Email_Quote", "Email Quote PDF"),)),
    ), "Opportunity"),
    OrchestrationDef("Customer_Onboarding_EMEA", "Customer Onboarding — EMEA",
                     "OrchAutolnch", 3, (
        StageDef("KYC_Check", "KYC Check", (_bg("Sanctions_Screening", "Sanctions Screening"),
                                            _ui("Verify_Documents", "Verify Documents"))),
        StageDef("Account_Setup", "Account Setup", (_bg("Create_Billing_Account",
                                                        "Create Billing Account"),)),
        StageDef("Kickoff_Call", "Kickoff Call", (_ui("Schedule_Kickoff", "Schedule Kickoff"),)),
    ), context_object="Account"),
    OrchestrationDef("Case_Escalation", "Case Escalation", "OrchRecTrigAftSave", 5, (
        StageDef("Triage", "Triage", (_bg("Classify_Case", "Classify Case"),)),
        StageDef("Tier2_Investigation", "Tier 2 Investigation",
                 (_ui("Investigate", "Investigate", "queue"),)),
        StageDef("Engineering_Fix", "Engineering Fix", (_ui("Ship_Fix", "Ship Fix"),
                                                        _bg("Notify_Account_Team",
                                                            "Notify Account Team"))),
        StageDef("Customer_Confirmation", "Customer Confirmation",
                 (_ui("Confirm_Resolution", "Confirm Resolution"),)),
    ), "Case"),
    OrchestrationDef("Contract_Renewal", "Contract Renewal", "OrchAutolnch", 9, (
        StageDef("Renewal_Notice", "Renewal Notice", (_bg("Send_Notice", "Send Notice"),)),
        StageDef("Pricing_Review", "Pricing Review", (_ui("Review_Pricing", "Review Pricing"),)),
        StageDef("Negotiation", "Negotiation", (_ui("Negotiate_Terms", "Negotiate Terms"),)),
        StageDef("Signature", "Signature", (_bg("Send_for_Signature", "Send for Signature"),)),
        StageDef("Provisioning_Update", "Provisioning Update",
                 (_bg("Update_Entitlements", "Update Entitlements"),)),
        StageDef("Close_Out", "Close Out", (_ui("Close_Opportunity", "Close Opportunity"),)),
        StageDef("Archive", "Archive", (_bg("Archive_Documents", "Archive Documents"),)),
    )),
    OrchestrationDef("Vendor_Onboarding", "Vendor Onboarding 供应商入职", "ApprovalOrchAutolnch",
                     2, (
        StageDef("Due_Diligence", "Due Diligence", (_ui("Collect_W9", "Collect W-9", "queue"),)),
        StageDef("Security_Assessment", "Security Assessment",
                 (_ui("Security_Questionnaire", "Security Questionnaire"),
                  _bg("Score_Risk", "Score Risk"))),
        StageDef("Procurement_Approval", "Procurement Approval",
                 (_ui("Approve_Vendor", "Approve Vendor"),)),
        StageDef("Setup_in_ERP", "Set up in ERP", (_bg("Create_Vendor_Record",
                                                       "Create Vendor Record"),)),
    ), context_object="Account"),
    OrchestrationDef("Loan_Application", "Loan Application 🏦", "OrchRecTrigAftSave", 4, (
        StageDef("Intake", "Intake", (_bg("Validate_Application", "Validate Application"),)),
        StageDef("Credit_Check", "Credit Check", (_bg("Pull_Credit_Report", "Pull Credit Report"),)),
        StageDef("Underwriting", "Underwriting", (_ui("Underwrite", "Underwrite", "queue"),)),
    ), "Opportunity"),
)

# Version drift: Contract_Renewal's v9 was activated mid-month, DRIFT_AGO before the generated
# month's end; runs started before it stay on v8, whose provisioning stage was still the
# "Manual_Provisioning" v9 renamed "Provisioning_Update" (same step; a name and label as long
# as v9's, so no table column changes width). Which version a run is on draws nothing random:
# every run's fate, and so every count, is what it was without the drift.
DRIFT_AGO_MS = 15 * 86_400_000
DRIFT_ORCHESTRATION = "Contract_Renewal"
DRIFT_STAGES = {"Provisioning_Update": ("Manual_Provisioning", "Manual Provisioning")}


def _previous(orch: OrchestrationDef) -> OrchestrationDef:
    stages = tuple(StageDef(*DRIFT_STAGES[s.name], s.steps) if s.name in DRIFT_STAGES else s
                   for s in orch.stages)
    return replace(orch, version=orch.version - 1, stages=stages)


PREVIOUS_VERSIONS: dict[str, OrchestrationDef] = {
    o.api_name: _previous(o) for o in ORCHESTRATIONS if o.api_name == DRIFT_ORCHESTRATION}


def definition_at(orch: OrchestrationDef, t: int, activated_at: int | None) -> OrchestrationDef:
    """The version of `orch` a run started at `t` runs on: the previous one before its
    successor's activation."""
    if activated_at is None or t >= activated_at:
        return orch
    return PREVIOUS_VERSIONS.get(orch.api_name, orch)


def definition(api_name: str, version: object) -> OrchestrationDef | None:
    """The definition a run of `api_name` on `version` follows (None: an unknown name)."""
    prev = PREVIOUS_VERSIONS.get(api_name)
    if prev is not None and version == prev.version:
        return prev
    return next((o for o in ORCHESTRATIONS if o.api_name == api_name), None)


PEOPLE = (
    ("Ada", "Lovelace", True), ("Grace", "Hopper", True), ("Alan", "Turing", True),
    ("Katherine", "Johnson", True), ("Linus", "Pauling", False), ("Margaret", "Hamilton", True),
    ("Tim", "O'Brien", True), ("Yuki", "Tanaka 田中", True), ("Zoë", "Müller", True),
    ("Raj", "Patel", False), ("Chen", "Wei 陈伟", True), ("Fatima", "Al-Sayed", True),
)
QUEUES = ("Deal Desk", "Legal Review Queue", "IT Provisioning", "Tier 2 Support",
          "Vendor Management")

ERROR_TEXTS = (
    "An unhandled fault has occurred in this flow\nAn unhandled fault has occurred while "
    "processing the flow. Please contact your system administrator for more information.",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION: Discount cannot exceed 40% without VP approval "
    "[Discount__c]",
    "This error occurred when the flow tried to update records: UNABLE_TO_LOCK_ROW: unable to "
    "obtain exclusive access to this record or 1 records: 0Q0RM0000004CQT.",
    "The flow tried to look up records, but the query didn't return any: "
    "$Record.Owner.ManagerId resolved to null.",
    "REQUIRED_FIELD_MISSING: Required fields are missing: [Tax_ID__c]\\nCheck the vendor "
    "record's \"Tax ID\" field.",
    "Error element Update_ERP (FlowActionCall).\nHTTP callout to https://erp.example.com/api "
    "failed: 503 Service Unavailable. Retries exhausted after 3 attempts. " + "x" * 400,
    "Apex error: System.NullPointerException: Attempt to de-reference a null object\n"
    "Class.CreditService.pull: line 42, column 1\nClass.CreditService.run: line 7, column 1",
)

# A deploy at a known moment: from DEPLOY_AGO before the generated month's end, the
# Account_Setup stage's Create_Billing_Account step fails on a locked row, each run on its own
# record (texts that differ only in the Id), as after a deploy that added a trigger locking
# the parent account. Only the text of failures changes: no run's fate, so every count stays.
DEPLOY_AGO_MS = 12 * 86_400_000
DEPLOYED_STEP = "Create_Billing_Account"
LOCK_TEXT = ("This error occurred when the flow tried to update records: UNABLE_TO_LOCK_ROW: "
             "unable to obtain exclusive access to this record or 1 records: {record}. "
             "Trigger AccountRollup (after update) holds it.")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def failure_text(text: str, run_id: str, step: str, t: int, deployed_at: int | None) -> str:
    """The error text of a run failing at `step` at `t`: after the deploy, the deployed step's
    locked-row text naming an Account drawn from the run's Id (no random draw: the replay of a
    planned run must write the same text)."""
    if deployed_at is None or t < deployed_at or step != DEPLOYED_STEP:
        return text
    n = zlib.crc32(run_id.encode())
    digits = ""
    for _ in range(9):
        n, d = divmod(n, 62)
        digits = _BASE62[d] + digits
    return LOCK_TEXT.format(record="001RM0" + digits)


POSTS = (
    ("TextPost", "Can someone from [bold]Deal Desk[/bold] pick this up? Customer is waiting 🙏",
     False),
    ("TextPost", "Escalated per thread with finance.\nSee C:\\shares\\quotes\\Q-1042.pdf", False),
    ("AdvancedTextPost", "<p>Blocked on <b>legal</b> — need the <i>redlined</i> MSA.</p>"
     "<ul><li>Clause 7.2</li><li>Clause 9 &amp; 10</li></ul>", True),
    ("TextPost", "承認をお願いします。期限は金曜日です。", False),
    ("TextPost", "Reassigned to the queue because \"Raj\" is out of office.", False),
    ("LinkPost", "Runbook for this failure", False),
)
COMMENTS = (
    "On it 👍", "Done — please re-check.", "Waiting on the customer's reply.",
    "<p>Approved with <b>conditions</b>.</p>", "Why is this stuck again? \\o/",
    "已处理，请确认。", "[link=https://example.com]not a link[/link] \x1b[31mred?\x1b[0m",
)


def build_people(minter: IdMinter, now_ms: int,
                 rng: random.Random) -> tuple[list[Record], list[Record], Record, Record]:
    """Users (with the API user and Automated Process), queues, and the Organization row."""
    created = now_ms - 400 * DAY_MS
    org_id = minter.mint("00D")

    def audit(rid: str, by: str) -> Record:  # no IsDeleted: User/Group/Organization lack it
        return {"CreatedById": by, "CreatedDate": created,
                "LastModifiedById": by, "LastModifiedDate": created, "SystemModstamp": created}

    users: list[Record] = []
    admin_id = minter.mint("005")
    auto_id = minter.mint("005")
    base = {"TimeZoneSidKey": "GMT", "LanguageLocaleKey": "en_US", "LocaleSidKey": "en_US",
            "Title": None, "LastLoginDate": None}
    users.append({"Id": admin_id, "Username": "admin@flowstage-demo.example", "LastName": "Admin",
                  "FirstName": "Demo", "Name": "Demo Admin", "Alias": "dadmin",
                  "Email": "admin@flowstage-demo.example", "IsActive": True,
                  "UserType": "Standard", **base, "Title": "Salesforce Administrator",
                  **audit(admin_id, admin_id)})
    users.append({"Id": auto_id, "Username": "autoproc@00drm0000000demo", "LastName": "Process",
                  "FirstName": "Automated", "Name": "Automated Process", "Alias": "autoproc",
                  "Email": "autoproc@flowstage-demo.example", "IsActive": True,
                  "UserType": "AutomatedProcess", **base, **audit(auto_id, admin_id)})
    for first, last, active in PEOPLE:
        uid = minter.mint("005")
        slug = (first[0] + last.split(" ")[0]).lower().replace("'", "")
        users.append({"Id": uid, "Username": f"{slug}@flowstage-demo.example", "LastName": last,
                      "FirstName": first, "Name": f"{first} {last}", "Alias": slug[:8],
                      "Email": f"{slug}@flowstage-demo.example", "IsActive": active,
                      "UserType": "Standard", **base, **audit(uid, admin_id)})
    groups: list[Record] = []
    for q in QUEUES:
        gid = minter.mint("00G")
        groups.append({"Id": gid, "Name": q, "DeveloperName": q.replace(" ", "_"), "Type": "Queue",
                       "Email": None, "DoesSendEmailToMembers": False, **audit(gid, admin_id)})
    org = {"Id": org_id, "Name": "Acme Demo Org", "InstanceName": "USA12", "IsSandbox": False,
           "TrialExpirationDate": None, "NamespacePrefix": None,
           "OrganizationType": "Enterprise Edition", "LanguageLocaleKey": "en_US",
           "DefaultLocaleSidKey": "en_US", "TimeZoneSidKey": "GMT", **audit(org_id, admin_id)}
    return users, groups, org, {"admin": admin_id, "auto": auto_id}


# The records work items are about. Names as real orgs hold them: brackets, accents, CJK.
ACCOUNTS = (
    "Acme Corporation", "Globex [EMEA]", "Initech", "Umbrella Health", "Stark Industries",
    "Wayne Enterprises", "Müller & Söhne GmbH", "株式会社ミライ", "O'Reilly Logistics",
    "Cyberdyne Systems", "Soylent Foods", "Tyrell Corp", "Hooli", "Vandelay Industries",
    "Wonka Confections", "Aperture Labs", "北京星辰科技", "Gringotts Bank", "Oceanic Air",
    "Nakatomi Trading", "Pied Piper", "Massive Dynamic", "Duff Brewing", "Zoë's Bakery",
)
CONTACT_NAMES = (
    ("Ana", "García"), ("Ben", "Okafor"), ("Chloé", "Dubois"), ("Dev", "Sharma"),
    ("Emma", "Schmidt"), ("Farid", "Haddad"), ("Gwen", "Stacy"), ("Hiro", "Sato 佐藤"),
    ("Ines", "Costa"), ("Jon", "Snow [contractor]"), ("Kofi", "Mensah"), ("Lena", "Novak"),
    ("Mia", "Rossi"), ("Nils", "Berg"), ("Olga", "Ivanova"), ("Pedro", "Alves"),
    ("Quinn", "Murphy"), ("Rosa", "Parks"), ("Sven", "Larsen"), ("Tara", "O'Neil"),
)
CASE_SUBJECTS = (
    "Invoice shows the wrong VAT rate", "Cannot log in after password reset",
    "Shipment stuck in customs [urgent]", "API returns 503 during batch sync",
    "Refund not received — 3 weeks", "Feature request: export to CSV",
    "数据同步失败", "Contract PDF will not open", "Duplicate charges on card",
    "Portal is slow from EMEA",
)
CASE_STATUSES = ("New", "Working", "Escalated", "Working", "New")
OPPORTUNITY_PRODUCTS = ("Platform Renewal", "Expansion — 200 seats", "Pilot", "Services Add-on",
                        "Multi-year Deal", "Loan: Equipment")
OPPORTUNITY_STAGES = ("Prospecting", "Qualification", "Proposal/Price Quote",
                      "Negotiation/Review", "Closed Won")
CONTEXT_PREFIXES = {"Account": "001", "Contact": "003", "Case": "500", "Opportunity": "006"}


def context_id(obj: str, n: int) -> str:
    """The n-th (from 1) demo record of a context object. Below IdMinter.START, so no run's
    block of Ids ever holds it."""
    return to18(CONTEXT_PREFIXES[obj] + "RM0" + base62(n, 9))


def build_context_records(seed: int, now_ms: int, owners: list[str],
                          by: str) -> dict[str, list[Record]]:
    """Accounts, Contacts, Cases and Opportunities: what the runs are triggered by or handed,
    the context records of their work items. Drawn from their own generator, so adding them
    changes nothing else about a seed's org."""
    rng = random.Random(seed ^ 0xC0A7E47)
    created = now_ms - 300 * DAY_MS

    def audit(n: int) -> Record:
        t = created + n * HOUR_MS
        return {"IsDeleted": False, "CreatedById": by, "CreatedDate": t, "LastModifiedById": by,
                "LastModifiedDate": t, "SystemModstamp": t, "OwnerId": rng.choice(owners)}

    accounts = [{"Id": context_id("Account", i + 1), "Name": name,
                 "Industry": rng.choice(("Banking", "Manufacturing", "Retail", "Technology")),
                 **audit(i)} for i, name in enumerate(ACCOUNTS)]

    def account() -> str:
        return str(rng.choice(accounts)["Id"])

    contacts = [{"Id": context_id("Contact", i + 1), "AccountId": account(), "FirstName": first,
                 "LastName": last, "Name": f"{first} {last}",
                 "Email": f"{first.lower()}@example.com", **audit(i)}
                for i, (first, last) in enumerate(CONTACT_NAMES)]
    cases = [{"Id": context_id("Case", i + 1), "CaseNumber": f"{1001 + i:08d}",
              "Subject": CASE_SUBJECTS[i % len(CASE_SUBJECTS)],
              "Status": rng.choice(CASE_STATUSES), "AccountId": account(), **audit(i)}
             for i in range(30)]
    opportunities = []
    for i in range(30):
        acc = rng.choice(accounts)
        opportunities.append({
            "Id": context_id("Opportunity", i + 1), "AccountId": acc["Id"],
            "Name": f"{acc['Name']} — {OPPORTUNITY_PRODUCTS[i % len(OPPORTUNITY_PRODUCTS)]}",
            "StageName": rng.choice(OPPORTUNITY_STAGES), **audit(i)})
    return {"Account": accounts, "Contact": contacts, "Case": cases,
            "Opportunity": opportunities}

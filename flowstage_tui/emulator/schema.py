"""The demo org's object model, held to real orgs' describes.

Each field carries the API version that introduced it: describe and SOQL both consult
`ObjectDef.fields_at(version)`, so they always agree about what exists. Where the object
reference (reference/orchestration-objects.md) and real describes disagree, this follows the
describes in tests/fixtures/real-describes/ (the version gates come from the apex-dev-tools
stubs, the attributes from committed `soqlMetadata` describes); tests/unit/test_real_describes.py
holds the describes this serves against those files, and lists every deliberate difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Types that SOQL cannot filter, group or sort on.
UNFILTERABLE_TYPES = frozenset({"textarea", "anyType"})

SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "string": "xsd:string", "textarea": "xsd:string",
    "picklist": "xsd:string", "boolean": "xsd:boolean", "int": "xsd:int", "long": "xsd:long",
    "double": "xsd:double", "datetime": "xsd:dateTime", "date": "xsd:date", "anyType": "xsd:anyType",
    "email": "xsd:string", "url": "xsd:string", "percent": "xsd:double",
}


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: str = ""
    length: int = 0
    nillable: bool = True
    since: float = 31.0
    picklist: tuple[str, ...] = ()
    restricted: bool = True
    reference_to: tuple[str, ...] = ()
    relationship: str | None = None
    updateable: bool = False
    createable: bool = False
    autonumber: bool = False
    id_lookup: bool = False
    # Overrides for fields whose type changed between versions: (since, type, length).
    retyped: tuple[tuple[float, str, int], ...] = ()
    # Where real describes depart from the rule by type (e.g. `Name` is not groupable on the
    # run, the work item and the log; FeedComment's textarea body is filterable and sortable).
    can_filter: bool | None = None
    can_sort: bool | None = None
    can_group: bool | None = None

    def at(self, version: float) -> FieldDef:
        """This field as it looks at an API version (some fields changed type)."""
        current = self
        for since, new_type, length in self.retyped:
            if version >= since:
                current = FieldDef(**{**current.__dict__, "type": new_type, "length": length,
                                      "retyped": ()})
        return current

    @property
    def filterable(self) -> bool:
        if self.can_filter is not None:
            return self.can_filter
        return self.type not in UNFILTERABLE_TYPES

    @property
    def sortable(self) -> bool:
        if self.can_sort is not None:
            return self.can_sort
        return self.type not in UNFILTERABLE_TYPES

    @property
    def aggregatable(self) -> bool:
        """COUNT/MIN/MAX take every type but booleans and long text (real describes)."""
        return self.type not in ("boolean", "textarea", "anyType")

    @property
    def groupable(self) -> bool:
        if self.can_group is not None:
            return self.can_group
        return self.type not in UNFILTERABLE_TYPES and self.type not in (
            "datetime", "double", "percent")


@dataclass(frozen=True)
class ChildRel:
    name: str
    child: str
    field: str


@dataclass
class ObjectDef:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    since: float
    fields: dict[str, FieldDef]
    children: list[ChildRel] = field(default_factory=list)
    updateable: bool = False
    createable: bool = False
    deletable: bool = False
    replicateable: bool = True
    feed_enabled: bool = False
    # Filled by Schema: lower-case name -> FieldDef, relationship name -> FieldDef.
    lower: dict[str, FieldDef] = field(default_factory=dict)
    rels: dict[str, FieldDef] = field(default_factory=dict)

    def field(self, name: str, version: float) -> FieldDef | None:
        f = self.lower.get(name.lower())
        if f is None or f.since > version:
            return None
        return f.at(version)

    def relationship(self, name: str, version: float) -> FieldDef | None:
        f = self.rels.get(name.lower())
        if f is None or f.since > version:
            return None
        return f

    def fields_at(self, version: float) -> list[FieldDef]:
        return [f.at(version) for f in self.fields.values() if f.since <= version]

    def child(self, name: str, version: float, schema: Schema) -> ChildRel | None:
        for rel in self.children:
            if rel.name.lower() == name.lower():
                child = schema.get(rel.child, version)
                if child is not None and child.field(rel.field, version) is not None:
                    return rel
        return None


def _f(name: str, type_: str, label: str = "", **kw: Any) -> FieldDef:
    if type_ == "id":
        kw.setdefault("nillable", False)
        kw.setdefault("length", 18)
    if type_ == "reference":
        kw.setdefault("length", 18)
    if type_ == "boolean":
        kw.setdefault("nillable", False)
    return FieldDef(name, type_, label or name, **kw)


def _audit(since: float, modstamp: bool = True, deleted: bool = True) -> list[FieldDef]:
    """The system fields. `deleted=False`: objects whose rows are never soft-deleted (User,
    Group, Organization) have no IsDeleted in real describes."""
    out = [_f("IsDeleted", "boolean", "Deleted", since=since)] if deleted else []
    out += [
        _f("CreatedById", "reference", "Created By ID", nillable=False, since=since,
           reference_to=("User",), relationship="CreatedBy"),
        _f("CreatedDate", "datetime", "Created Date", nillable=False, since=since),
        _f("LastModifiedById", "reference", "Last Modified By ID", nillable=False, since=since,
           reference_to=("User",), relationship="LastModifiedBy"),
        _f("LastModifiedDate", "datetime", "Last Modified Date", nillable=False, since=since),
    ]
    if modstamp:
        out.append(_f("SystemModstamp", "datetime", "System Modstamp", nillable=False, since=since))
    return out


# Run, stage and step share one Status picklist in real describes (in the describe's order).
RUN_STATUS = ("NotStarted", "InProgress", "Completed", "Error", "Discontinued", "Canceled",
              "Suspended")
STAGE_STATUS = RUN_STATUS
STEP_STATUS = RUN_STATUS
# The step types the demo data uses. Real describes declare StepType with no values at all,
# so the schema declares none either.
STEP_TYPES = (
    "ApprovalStep", "AsynchronousBackgroundStep", "BackgroundStep", "InteractiveStep",
    "ManagedContentRoleInteractiveStep", "ManagedContentVariantAutoPublishBackgroundStep",
    "ManagedContentVariantAutoUnpublishBackgroundStep",
    "ManagedContentVariantSetLockBackgroundStep", "ManagedContentVariantSetReadyBackgroundStep",
    "MuleSoftStep",
)
LOG_KINDS = (
    "CancelInstance", "DiscontinueStage", "DiscontinueStep", "EndInstance", "EndStage", "EndStep",
    "EndWorkItem", "FailInstance", "FailStage", "FailStep", "ReassignWorkItem", "ResumeInstance",
    "RunRecallPath", "StartInstance", "StartStage", "StartStep", "StartWorkItem",
    "SuspendInstance", "SuspendStage",
)
# The flow process-type list a real v65+ org declares for FlowType and OrchestrationType
# (in its order). The orchestration ones: OrchAutolnch, OrchRecTrigAftSave,
# ApprovalOrchAutolnch, ApprovalOrchRecTrigAftSave, CmsOrchAutolnch, ExtSysChgOrch,
# AgxOrchestration.
FLOW_TYPES = (
    "ActionCadenceAutolnch", "ActionCadenceStepScrn", "ActionPlanAutolnch", "ApprovalOrchAutolnch",
    "ApprovalOrchRecTrigAftSave", "SchedulerApptsScrn", "RecTrigAfterSave", "RecTrigBefSave",
    "SchdTrig", "PfrmEvntTrig", "RecTrigBefDel", "DataCloudDataChg", "AutolnchNoTrig",
    "CartAsyncAutolnch", "CheckoutScrn", "ContactRequestScrn", "CustLifecycleAftSave",
    "ProcessBuilderCustmEvnt", "DataCaptureScrn", "DigitalFormScrn", "EvaluationAutolnch",
    "FieldServiceMobileScrn", "FieldServiceWebScrn", "Screen", "MortgageLendingScrn",
    "IndividualObjLinkingScrn", "ProcessBuilderAutolnch", "SegmentTrig", "SegmentTrigAutolnch",
    "EventDriven", "FormSbmsEvntTrig", "FormSbmsEvntTrigAutolnch", "JourneyBuilderIntegration",
    "LoginScrn", "LoyaltyManagementAutolnch", "CmsOrchAutolnch", "ManagedContentAutolnch",
    "IoTOrchestration", "OrchAutolnch", "OrchRecTrigAftSave", "TemplateTrigPrompt",
    "RcmdStrtgyAutolnch", "RoutingAutolnch", "EmpSvcCtlgItmScrn", "SurveyScrn",
    "SurveyEnrichAutolnch", "TrxnSecurityAutolnch", "IndicatorResultScrn", "UserPrvsngScrn",
    "ProcBldWkflw", "ExternalSystemChange", "ExtSysChgOrch", "ExtSysChgFlowAppvl",
    "DcvrFrameworkDataCaptureScrn", "AutomationEventTrig", "AutomationEventTrigAutolnch",
    "ActvtyObjectMtchNoTrg", "ActnEvntOrchAutolnchFlow", "DataGraphDataChange",
    "DataGraphDataChangeAutolnch", "StgMgmtEvalAutolnch", "ActivationTrigAutolnch",
    "AdminAutomationEvent", "IdentityUserRgstrAutolnch", "BroadcastNoTrigger", "AgxBackground",
    "AgxScreenData", "AgxScreen", "AgxOrchestration", "OnDemandNoTrigger",
    "IndivRelatedRecTrigAutolnch", "UnifiedSchedulingFlowScrn", "ScheduledHighScale",
)
ORCHESTRATION_STATUS = ("Active", "Draft", "Obsolete", "InvalidDraft", "UnderReview")
TRIGGER_TYPES = (
    "None", "Scheduled", "RecordBeforeSave", "RecordBeforeDelete", "RecordAfterSave",
    "PlatformEvent", "EventDrivenJourney", "Segment", "DataCloudDataChange", "FormSubmissionEvent",
    "Capability", "AutomationEvent", "ExternalSystemChange", "DataGraphDataChange", "Activation",
    "AdminAutomationEvent", "BroadcastNoTrigger", "OnDemandNoTrigger", "IndivRelatedRecord",
    "ScheduledHighScale",
)
MANAGEABLE_STATES = ("released", "deleted", "deprecated", "installed", "beta", "unmanaged",
                     "installedEditable", "deprecatedEditable")
ROW_CAUSES = (
    "Owner", "Manual", "Rule", "ImplicitChild", "ImplicitParent", "ImplicitPerson", "Team",
    "Territory", "TerritoryManual", "Territory2AssociationManual", "TerritoryRule",
    "Territory2Forecast", "Territory2SplitsForecast", "GuestRule", "GuestParentImplicit",
    "GuestPersonImplicit", "SurveyShare", "CompliantDataSharing", "MfgTargetShare",
    "SharingRecordCollection", "ALMAssignmentSharing", "LearningAssignment",
    "LearningAssignmentImplicit", "LearningItemAssignment", "ObligationAssigneeShare",
    "LSC4CEAutoShare",
)
# What a work item's RelatedRecordId (its context record) may point at: real orgs list 100 to
# 600 types, depending on the org; these are the common ones, all in every real list.
CONTEXT_RECORD_TYPES = (
    "Account", "Case", "Contact", "FlowOrchestrationInstance", "FlowOrchestrationVersion",
    "Lead", "Opportunity", "Order", "Organization", "User",
)
FEED_TYPES = (
    "ActivityEvent", "AdvancedTextPost", "AnnouncementPost", "ApprovalPost", "BasicTemplateFeedItem",
    "CanvasPost", "CollaborationGroupCreated", "CollaborationGroupUnarchived", "ContentPost",
    "CreatedRecordEvent", "DashboardComponentAlert", "DashboardComponentSnapshot", "LinkPost",
    "PollPost", "ProfileSkillPost", "QuestionPost", "ReplyPost", "RypplePost", "TextPost",
    "TrackedChange", "UserStatus",
)

ORG_TYPES = ("Team Edition", "Professional Edition", "Enterprise Edition", "Developer Edition",
             "Personal Edition", "Unlimited Edition", "Contact Manager Edition", "Base Edition")
USER_TYPES = ("Standard", "PowerPartner", "PowerCustomerSuccess", "CustomerSuccess", "Guest",
              "CspLitePortal", "CsnOnly", "SelfService")
GROUP_TYPES = (
    "AllCustomerPortal", "ChannelProgramGroup", "CollaborationGroup", "DataAnalytics", "Manager",
    "ManagerAndSubordinatesInternal", "Organization", "Participant", "PRMOrganization", "Queue",
    "Regular", "Role", "RoleAndSubordinates", "RoleAndSubordinatesInternal",
    "SharingRecordCollGroup", "Territory", "TerritoryAndSubordinates",
)
INTERVIEW_STATUS = ("Running", "Paused", "Completed", "VersionPaused", "Error", "Autosaved",
                    "Expired", "Pending")


@dataclass(frozen=True)
class KeyPrefixes:
    """Key prefixes; the ones Salesforce does not document are configurable."""

    work_item: str = "0jR"
    log: str = "0jS"
    orchestration: str = "0jO"
    orchestration_version: str = "0jV"
    instance_share: str = "0jG"
    stage_share: str = "0jH"
    step_share: str = "0jM"
    work_item_share: str = "0jW"


def _orchestration_objects(kp: KeyPrefixes) -> list[ObjectDef]:
    run_ref = dict(reference_to=("FlowOrchestrationInstance",), nillable=False)
    instance = ObjectDef(
        "FlowOrchestrationInstance", "Orchestration Run", "Orchestration Runs", "0jE", 53.0,
        _fields(
            _f("Id", "id", "Orchestration Run ID", since=53),
            _f("Name", "string", "Orchestration Run Name", length=255, nillable=False, since=53,
               autonumber=True, id_lookup=True, can_group=False),
            *_audit(53),
            _f("Status", "picklist", "Status", length=255, nillable=False, since=53,
               picklist=RUN_STATUS, updateable=True),
            _f("InterviewId", "reference", "Interview ID", since=53, reference_to=("FlowInterview",),
               relationship="Interview"),
            _f("LastReferencedDate", "datetime", "Last Referenced Date", since=55),
            _f("LastViewedDate", "datetime", "Last Viewed Date", since=55),
            _f("OrchestrationDeveloperName", "string", "Orchestration Developer Name", length=80,
               since=55),
            _f("OwnerId", "reference", "Owner ID", nillable=False, since=56,
               reference_to=("Group", "User"), relationship="Owner"),
            _f("CurrentStage", "string", "Current Stage", length=100, since=62),
            _f("Duration", "long", "Duration", since=62),
            _f("TriggeringRecord", "string", "Triggering Record ID", length=40, since=62),
            _f("OrchestrationLabel", "string", "Orchestration Name", length=255, since=63),
            _f("TriggeringRecordType", "string", "Triggering Record Type", length=40, since=64),
            _f("AuxiliaryTriggeringRecord", "string", "Auxiliary Triggering Record", length=40,
               since=65),
            # The object reference dates these to 55-62; no real org has them before v65.
            _f("OrchestrationName", "string", "Orchestration Developer Name", length=80, since=65),
            _f("IsDebugRun", "boolean", "Debug Run", since=65),
            _f("FlowDefinitionVersionName", "picklist", "Flow Definition Version Name",
               length=255, since=65, restricted=True),
            _f("FlowType", "picklist", "Flow Type", length=255, since=65, picklist=FLOW_TYPES),
        ),
        children=[
            ChildRel("FlowOrchestrationStageInstances", "FlowOrchestrationStageInstance",
                     "OrchestrationInstanceId"),
            ChildRel("FlowOrchestrationStepInstances", "FlowOrchestrationStepInstance",
                     "OrchestrationInstanceId"),
            ChildRel("FlowOrchestrationLogs", "FlowOrchestrationLog", "OrchestrationInstanceId"),
            ChildRel("FlowOrchestrationWorkItems", "FlowOrchestrationWorkItem", "RelatedRecordId"),
            ChildRel("Shares", "FlowOrchestrationInstanceShare", "ParentId"),
            ChildRel("Feeds", "FlowOrchestrationInstanceFeed", "ParentId"),
            ChildRel("Histories", "FlowOrchestrationInstanceHistory", "ParentId"),
        ],
        updateable=True, feed_enabled=True,
    )
    stage = ObjectDef(
        "FlowOrchestrationStageInstance", "Orchestration Stage Run", "Orchestration Stage Runs",
        "0jF", 53.0,
        _fields(
            _f("Id", "id", "Orchestration Stage Run ID", since=53),
            _f("Name", "string", "Orchestration Stage Run Name", length=255, nillable=False,
               since=53, id_lookup=True),
            *_audit(53),
            _f("Label", "string", "Label", length=80, nillable=False, since=53),
            _f("OrchestrationInstanceId", "reference", "Orchestration Run ID", since=53,
               relationship="OrchestrationInstance", **run_ref),
            _f("Position", "int", "Position", nillable=False, since=53),
            _f("Status", "picklist", "Status", length=255, nillable=False, since=53,
               picklist=STAGE_STATUS),
            _f("OwnerId", "reference", "Owner ID", nillable=False, since=56,
               reference_to=("Group", "User"), relationship="Owner"),
            _f("OrchestrationName", "string", "Orchestration Developer Name", length=80, since=65),
        ),
        children=[
            ChildRel("FlowOrchestrationStepInstances", "FlowOrchestrationStepInstance",
                     "StageInstanceId"),
            ChildRel("Shares", "FlowOrchestrationStageInstanceShare", "ParentId"),
            ChildRel("Feeds", "FlowOrchestrationStageInstanceFeed", "ParentId"),
            ChildRel("Histories", "FlowOrchestrationStageInstanceHistory", "ParentId"),
        ],
        feed_enabled=True,
    )
    step = ObjectDef(
        "FlowOrchestrationStepInstance", "Orchestration Step Run", "Orchestration Step Runs",
        "0jL", 53.0,
        _fields(
            _f("Id", "id", "Orchestration Step Run ID", since=53),
            _f("Name", "string", "Orchestration Step Run Name", length=255, nillable=False,
               since=53, id_lookup=True),
            *_audit(53),
            _f("Label", "string", "Label", length=80, nillable=False, since=53),
            _f("OrchestrationInstanceId", "reference", "Orchestration Run ID", since=53,
               relationship="OrchestrationInstance", **run_ref),
            _f("StageInstanceId", "reference", "Orchestration Stage Run ID", nillable=False,
               since=53, reference_to=("FlowOrchestrationStageInstance",),
               relationship="StageInstance"),
            _f("Status", "picklist", "Status", length=255, nillable=False, since=53,
               picklist=STEP_STATUS),
            # Real describes list no StepType values (the demo data uses STEP_TYPES).
            _f("StepType", "picklist", "Step Type", length=255, nillable=False, since=53),
            _f("OwnerId", "reference", "Owner ID", nillable=False, since=56,
               reference_to=("Group", "User"), relationship="Owner"),
            # No real org has a string Description before v63: it arrives as a textarea.
            _f("Description", "textarea", "Description", length=32000, since=63),
            # The object reference dates these to 56/61; no real org has them before v65.
            _f("OrchestrationName", "string", "Orchestration Developer Name", length=80, since=65),
            _f("OrchestrationStageName", "string", "Orchestration Stage Run Name", length=80,
               since=65),
            _f("RelatedRecord", "string", "Context Record ID", length=40, since=65),
            _f("InProgressStepOutputs", "textarea", "In-Progress Step Outputs", length=100000,
               since=65),
        ),
        children=[
            ChildRel("FlowOrchestrationWorkItems", "FlowOrchestrationWorkItem", "StepInstanceId"),
            ChildRel("Shares", "FlowOrchestrationStepInstanceShare", "ParentId"),
        ],
    )
    work_item = ObjectDef(
        "FlowOrchestrationWorkItem", "Orchestration Work Item", "Orchestration Work Items",
        kp.work_item, 54.0,
        _fields(
            _f("Id", "id", "Orchestration Work Item ID", since=54),
            _f("Name", "string", "Orchestration Work Item Name", length=255, nillable=False,
               since=54, autonumber=True, id_lookup=True, can_group=False),
            *_audit(54),
            # Group twice: that is what real describes return.
            _f("AssigneeId", "reference", "Assignee ID", nillable=False, since=54,
               reference_to=("Group", "Group", "User"), relationship="Assignee",
               updateable=True),
            _f("Description", "string", "Description", length=255, since=54),
            _f("Label", "string", "Step", length=80, since=54),
            _f("RelatedRecordId", "reference", "Context Record ID", since=54,
               reference_to=CONTEXT_RECORD_TYPES, relationship="RelatedRecord"),
            _f("ScreenFlow", "picklist", "Screen Flow", length=255, since=54, restricted=True),
            _f("ScreenFlowInputs", "textarea", "Screen Flow Inputs", length=131072, since=54),
            _f("Status", "picklist", "Status", length=255, nillable=False, since=54,
               picklist=("Assigned", "Completed")),
            _f("StepInstanceId", "reference", "Orchestration Step Run ID", since=54,
               reference_to=("FlowOrchestrationStepInstance",), relationship="StepInstance"),
            _f("LastReferencedDate", "datetime", "Last Referenced Date", since=55),
            _f("LastViewedDate", "datetime", "Last Viewed Date", since=55),
            _f("OwnerId", "reference", "Owner ID", nillable=False, since=56,
               reference_to=("Group", "User"), relationship="Owner"),
            _f("ElapsedTimeSinceAsgntInSec", "long", "Time Since Assignment", since=63),
            _f("ElapsedTimeSinceCreationInSec", "long", "Time Since Creation", since=63),
            _f("OrchestrationName", "string", "Orchestration Developer Name", length=80, since=65),
            _f("FlowType", "picklist", "Flow Type", length=255, since=65, picklist=FLOW_TYPES),
        ),
        children=[ChildRel("Shares", "FlowOrchestrationWorkItemShare", "ParentId")],
        updateable=True,
    )
    # The object reference says v54; no real org or stub release has the log before v60.
    log = ObjectDef(
        "FlowOrchestrationLog", "Orchestration Run Log", "Orchestration Run Logs", kp.log, 60.0,
        _fields(
            _f("Id", "id", "Orchestration Run Log ID", since=60),
            _f("Name", "string", "Orchestration Run Log Name", length=255, nillable=False,
               since=60, autonumber=True, can_group=False),
            *_audit(60),
            _f("Actor", "string", "Completed By", length=255, since=60, id_lookup=True),
            _f("Assignee", "string", "Assigned To", length=255, since=60),
            _f("AssigneeType", "picklist", "Assignee Type", length=255, since=60,
               picklist=("User", "Group", "Queue", "Invalid", "Resource")),
            _f("Comments", "string", "Comments", length=1333, since=60, can_group=False),
            _f("Context", "string", "Context Record", length=80, since=60),
            _f("Duration", "long", "Duration (seconds)", since=60),
            _f("Kind", "picklist", "Milestone", length=255, nillable=False, since=60,
               picklist=LOG_KINDS),
            _f("OrchestrationInstanceId", "reference", "Orchestration Run ID", since=60,
               relationship="OrchestrationInstance", **run_ref),
            _f("OrchestrationName", "string", "Orchestration Name", length=80, nillable=False,
               since=60, id_lookup=True),
            _f("OrchestrationVersion", "int", "Orchestration Version", nillable=False, since=60),
            _f("StageName", "string", "Stage Name", length=80, since=60),
            _f("StepName", "string", "Step Name", length=80, since=60),
            _f("Timestamp", "datetime", "Timestamp", nillable=False, since=60),
        ),
    )
    return [instance, stage, step, work_item, log]


def _fields(*defs: FieldDef) -> dict[str, FieldDef]:
    return {d.name: d for d in defs}


def _feed(name: str, label: str, parent: str, since: float) -> ObjectDef:
    return ObjectDef(
        name, f"{label} Feed", f"{label} Feed", "0D5", since,
        _fields(
            _f("Id", "id", "Feed Item ID", since=since),
            _f("ParentId", "reference", "Parent ID", nillable=False, since=since,
               reference_to=(parent,), relationship="Parent"),
            _f("Type", "picklist", "Feed Item Type", length=255, since=since, picklist=FEED_TYPES),
            *_audit(since),
            _f("Title", "string", "Title", length=255, since=since),
            _f("Body", "textarea", "Body", length=10000, since=since),
            _f("LinkUrl", "url", "Link Url", length=1000, since=since),
            _f("CommentCount", "int", "Comment Count", nillable=False, since=since),
            _f("LikeCount", "int", "Like Count", nillable=False, since=since),
            _f("IsRichText", "boolean", "Is Rich Text", since=since),
            _f("InsertedById", "reference", "InsertedBy ID", nillable=False, since=since,
               reference_to=("User",), relationship="InsertedBy"),
        ),
        children=[ChildRel("FeedComments", "FeedComment", "FeedItemId")],
        replicateable=True,
    )


def _history(name: str, label: str, parent: str, since: float) -> ObjectDef:
    return ObjectDef(
        name, f"{label} History", f"{label} History", "017", since,
        _fields(
            _f("Id", "id", "History ID", since=since),
            _f("IsDeleted", "boolean", "Deleted", since=since),
            _f("ParentId", "reference", "Parent ID", nillable=False, since=since,
               reference_to=(parent,), relationship="Parent"),
            _f("CreatedById", "reference", "Created By ID", nillable=False, since=since,
               reference_to=("User",), relationship="CreatedBy"),
            _f("CreatedDate", "datetime", "Created Date", nillable=False, since=since),
            _f("Field", "picklist", "Changed Field", length=255, nillable=False, since=since,
               picklist=("created", "Owner", "ownerAssignment", "Status", "CurrentStage")),
            _f("DataType", "picklist", "Data Type", length=255, since=since,
               picklist=("DateTime", "EntityId", "Text", "DynamicEnum")),
            _f("OldValue", "anyType", "Old Value", since=since),
            _f("NewValue", "anyType", "New Value", since=since),
        ),
    )


def _share(name: str, label: str, parent: str, prefix: str, since: float) -> ObjectDef:
    return ObjectDef(
        name, f"{label} Share", f"{label} Share", prefix, since,
        _fields(
            _f("Id", "id", "Share ID", since=since),
            _f("ParentId", "reference", "Parent ID", nillable=False, since=since,
               reference_to=(parent,), relationship="Parent"),
            _f("UserOrGroupId", "reference", "User or Group ID", nillable=False, since=since,
               reference_to=("Group", "User"), relationship="UserOrGroup"),
            _f("AccessLevel", "picklist", "Access Level", length=40, nillable=False, since=since,
               picklist=("Read", "Edit", "All")),
            _f("RowCause", "picklist", "Row Cause", length=40, since=since, picklist=ROW_CAUSES),
            _f("LastModifiedDate", "datetime", "Last Modified Date", nillable=False, since=since),
            _f("LastModifiedById", "reference", "Last Modified By ID", nillable=False,
               since=since, reference_to=("User",), relationship="LastModifiedBy"),
            _f("IsDeleted", "boolean", "Deleted", since=since),
        ),
        replicateable=False,
    )


def _platform_objects(kp: KeyPrefixes) -> list[ObjectDef]:
    user = ObjectDef(
        "User", "User", "Users", "005", 31.0,
        _fields(
            _f("Id", "id", "User ID"),
            _f("Username", "string", "Username", length=80, nillable=False, id_lookup=True),
            _f("LastName", "string", "Last Name", length=80, nillable=False),
            _f("FirstName", "string", "First Name", length=40),
            _f("Name", "string", "Full Name", length=121, nillable=False),
            _f("Alias", "string", "Alias", length=8, nillable=False),
            _f("Email", "email", "Email", length=128, nillable=False),
            _f("IsActive", "boolean", "Active"),
            # The Automated Process user's `AutomatedProcess` is a value no describe lists.
            _f("UserType", "picklist", "User Type", length=40, picklist=USER_TYPES),
            _f("Title", "string", "Title", length=80),
            _f("TimeZoneSidKey", "picklist", "Time Zone", length=40, nillable=False,
               restricted=False),
            _f("LanguageLocaleKey", "picklist", "Language", length=40, nillable=False,
               restricted=False),
            _f("LocaleSidKey", "picklist", "Locale", length=40, nillable=False, restricted=False),
            _f("LastLoginDate", "datetime", "Last Login"),
            *_audit(31.0, deleted=False),
        ),
        children=[_context_of()],
    )
    group = ObjectDef(
        "Group", "Group", "Groups", "00G", 31.0,
        _fields(
            _f("Id", "id", "Group ID"),
            _f("Name", "string", "Name", length=40, nillable=False),
            _f("DeveloperName", "string", "Developer Name", length=80),
            _f("Type", "picklist", "Type", length=40, nillable=False,
               picklist=GROUP_TYPES),
            _f("Email", "email", "Email", length=255),
            _f("DoesSendEmailToMembers", "boolean", "Send Email to Members"),
            *_audit(31.0, deleted=False),
        ),
    )
    org = ObjectDef(
        "Organization", "Organization", "Organizations", "00D", 31.0,
        _fields(
            _f("Id", "id", "Organization ID"),
            _f("Name", "string", "Name", length=80, nillable=False),
            _f("InstanceName", "string", "Instance Name", length=5),
            _f("IsSandbox", "boolean", "Is Sandbox"),
            _f("TrialExpirationDate", "datetime", "Trial Expiration Date"),
            _f("NamespacePrefix", "string", "Namespace Prefix", length=15),
            _f("OrganizationType", "picklist", "Edition", length=40, picklist=ORG_TYPES),
            _f("LanguageLocaleKey", "picklist", "Language", length=40, nillable=False,
               restricted=False),
            _f("DefaultLocaleSidKey", "picklist", "Locale", length=40, nillable=False,
               restricted=False),
            _f("TimeZoneSidKey", "picklist", "Time Zone", length=40, nillable=False,
               restricted=False),
            *_audit(31.0, deleted=False),
        ),
        children=[_context_of()],
        replicateable=False,
    )
    interview = ObjectDef(
        "FlowInterview", "Flow Interview", "Flow Interviews", "0Fo", 31.0,
        _fields(
            _f("Id", "id", "Flow Interview ID"),
            _f("Name", "string", "Name", length=255, nillable=False, autonumber=True,
               can_group=False),
            _f("Guid", "string", "Guid", length=255, id_lookup=True),
            _f("InterviewLabel", "string", "Interview Label", length=1000, can_group=False),
            _f("CurrentElement", "string", "Current Element", length=255),
            _f("PauseLabel", "string", "Pause Label", length=255, can_group=False),
            _f("InterviewStatus", "picklist", "Interview Status", length=255, nillable=False,
               since=50, picklist=INTERVIEW_STATUS),
            # A string that names its target: real describes give it a referenceTo all the same.
            _f("FlowVersionViewId", "string", "Flow Version View ID", length=18,
               reference_to=("FlowVersionView",), relationship="FlowVersionView",
               can_group=False),
            _f("WasPausedFromScreen", "boolean", "Was Paused From Screen", since=46),
            _f("OwnerId", "reference", "Owner ID", nillable=False, reference_to=("Group", "User"),
               relationship="Owner"),
            _f("Error", "textarea", "Error", length=32000, since=62),
            _f("EngineType", "picklist", "Engine Type", length=255, since=62,
               picklist=("Online", "Offline")),
            *_audit(31.0),
        ),
        deletable=True,
    )
    orchestration = ObjectDef(
        "FlowOrchestration", "Flow Orchestration", "Flow Orchestrations", kp.orchestration, 62.0,
        _fields(
            _f("Id", "id", "Orchestration ID", since=62),
            _f("IsDeleted", "boolean", "Deleted", since=62),
            _f("Name", "string", "Orchestration Label", length=255, nillable=False, since=62),
            *_audit(62.0, deleted=False),
            _f("LastViewedDate", "datetime", "Last Viewed Date", since=62),
            _f("LastReferencedDate", "datetime", "Last Referenced Date", since=62),
            _f("OrchestrationDefinition", "string", "Orchestration Definition", length=255,
               since=62),
            _f("Description", "textarea", "Description", length=1000, since=62),
            _f("TriggerType", "picklist", "Trigger Type", length=255, since=62,
               picklist=TRIGGER_TYPES),
            _f("OrchestrationType", "picklist", "Orchestration Type", length=255, since=62,
               picklist=FLOW_TYPES),
            _f("NamespacePrefix", "string", "Orchestration Namespace", length=15, since=62),
            _f("ManageableState", "picklist", "Package State", length=255, since=62,
               picklist=MANAGEABLE_STATES),
            _f("ActiveVersionId", "reference", "Orchestration Version ID", since=62,
               reference_to=("FlowOrchestrationVersion",), relationship="ActiveVersion"),
            _f("Status", "picklist", "Status", length=255, since=62,
               picklist=ORCHESTRATION_STATUS),
            _f("IsCitizenEnabled", "boolean", "Citizen Enabled", since=62),
            _f("OrchestrationLabel", "string", "Orchestration Label", length=255, since=62),
            _f("ApiName", "string", "API Name", length=80, since=62),
            _f("InstalledPackageName", "string", "Package Name", length=255, since=62),
            _f("RunCount", "int", "Run Count", since=62),
            _f("CompletionRate", "percent", "Completion Rate", since=62),
            _f("AverageRunTime", "int", "Average Run Time", since=62),
            _f("FailedRunCount", "int", "Failed Run Count", since=62),
            _f("ApiVersion", "int", "API Version", since=62),
            _f("IsTemplate", "boolean", "Template", since=62),
            *_orchestration_links(),
        ),
        children=[ChildRel("FlowOrchestrationVersions", "FlowOrchestrationVersion",
                           "FlowOrchestrationId")],
    )
    version = ObjectDef(
        "FlowOrchestrationVersion", "Flow Orchestration Version", "Flow Orchestration Versions",
        kp.orchestration_version, 62.0,
        _fields(
            _f("Id", "id", "Orchestration Version ID", since=62),
            _f("IsDeleted", "boolean", "Deleted", since=62),
            _f("Name", "string", "Orchestration Version Name", length=255, nillable=False,
               since=62),
            *_audit(62.0, deleted=False),
            _f("LastViewedDate", "datetime", "Last Viewed Date", since=62),
            _f("LastReferencedDate", "datetime", "Last Referenced Date", since=62),
            _f("FlowOrchestrationId", "reference", "Orchestration ID", nillable=False, since=62,
               reference_to=("FlowOrchestration",), relationship="FlowOrchestration"),
            _f("VersionNumber", "int", "Version Number", since=62),
            _f("ActivatedById", "reference", "User ID", since=62, reference_to=("User",),
               relationship="ActivatedBy"),
            _f("ActivatedDate", "datetime", "Activated Date", since=62),
            _f("OrchestrationType", "picklist", "Orchestration Type", length=255, since=62,
               picklist=FLOW_TYPES),
            _f("Status", "picklist", "Status", length=255, since=62,
               picklist=ORCHESTRATION_STATUS),
            _f("Description", "textarea", "Description", length=1000, since=62),
            _f("RunInMode", "picklist", "Run in Mode", length=255, since=62,
               picklist=("DefaultMode", "SystemModeWithSharing", "SystemModeWithoutSharing")),
            _f("ApiVersion", "double", "API Version", since=62),
            _f("IsTemplate", "boolean", "Template", since=62),
            _f("TriggerObjectOrEventLabel", "string", "Triggering Object or Platform Event Label",
               length=255, since=62),
            *_orchestration_links(),
        ),
        children=[_context_of()],
    )
    return [user, group, org, interview, orchestration, version]


# The records work items are about (their RelatedRecordId): the triggering records of the
# record-triggered orchestrations and what autolaunched ones are handed. A few fields each,
# enough to be found by Id and named; standard objects, so their key prefixes are fixed.
CONTEXT_OBJECTS = ("Account", "Contact", "Case", "Opportunity")


def _context_objects() -> list[ObjectDef]:
    owner = _f("OwnerId", "reference", "Owner ID", nillable=False,
               reference_to=("Group", "User"), relationship="Owner")
    account_ref = _f("AccountId", "reference", "Account ID", reference_to=("Account",),
                     relationship="Account")
    account = ObjectDef(
        "Account", "Account", "Accounts", "001", 31.0,
        _fields(_f("Id", "id", "Account ID"),
                _f("Name", "string", "Account Name", length=255, nillable=False),
                _f("Industry", "picklist", "Industry", length=255, restricted=False),
                owner, *_audit(31.0)),
        children=[_context_of()])
    contact = ObjectDef(
        "Contact", "Contact", "Contacts", "003", 31.0,
        _fields(_f("Id", "id", "Contact ID"), account_ref,
                _f("LastName", "string", "Last Name", length=80, nillable=False),
                _f("FirstName", "string", "First Name", length=40),
                _f("Name", "string", "Full Name", length=121, nillable=False),
                _f("Email", "email", "Email", length=80), owner, *_audit(31.0)),
        children=[_context_of()])
    case = ObjectDef(  # no Name field: the Name object (RelatedRecord.Name) gives CaseNumber
        "Case", "Case", "Cases", "500", 31.0,
        _fields(_f("Id", "id", "Case ID"),
                _f("CaseNumber", "string", "Case Number", length=30, nillable=False,
                   autonumber=True),
                _f("Subject", "string", "Subject", length=255),
                _f("Status", "picklist", "Status", length=255, restricted=False),
                account_ref, owner, *_audit(31.0)),
        children=[_context_of()])
    opportunity = ObjectDef(
        "Opportunity", "Opportunity", "Opportunities", "006", 31.0,
        _fields(_f("Id", "id", "Opportunity ID"),
                _f("Name", "string", "Name", length=120, nillable=False),
                _f("StageName", "picklist", "Stage", length=255, nillable=False,
                   restricted=False),
                account_ref, owner, *_audit(31.0)),
        children=[_context_of()])
    return [account, contact, case, opportunity]


def _context_of() -> ChildRel:
    """The work items whose context record (RelatedRecordId) this object's rows are."""
    return ChildRel("FlowOrchestrationWorkItems", "FlowOrchestrationWorkItem", "RelatedRecordId")


def _orchestration_links() -> list[FieldDef]:
    def link(name: str, rel: str) -> FieldDef:
        return _f(name, "reference", "Orchestration ID", since=62,
                  reference_to=("FlowOrchestration",), relationship=rel)
    return [
        link("SourceTemplateId", "SourceTemplate"),
        _f("IsOverridable", "boolean", "Overridable", since=62),
        link("OverriddenById", "OverriddenBy"),
        link("OverriddenOrchestrationId", "OverriddenOrchestration"),
    ]


def _feed_comment(parents: tuple[str, ...], feeds: tuple[str, ...]) -> ObjectDef:
    return ObjectDef(
        "FeedComment", "Feed Comment", "Feed Comments", "0D7", 31.0,
        _fields(
            _f("Id", "id", "Feed Comment ID"),
            # Both polymorphic: over the objects that have feeds (the *Feed objects).
            _f("FeedItemId", "reference", "Feed Item ID", nillable=False, reference_to=feeds),
            _f("ParentId", "reference", "Parent ID", reference_to=parents),
            _f("CommentBody", "textarea", "Comment Body", length=10000, nillable=False,
               can_filter=True, can_sort=True),
            _f("CommentType", "picklist", "Comment Type", length=40,
               picklist=("TextComment", "ContentComment")),
            _f("IsRichText", "boolean", "Is Rich Text"),
            _f("InsertedById", "reference", "InsertedBy ID", nillable=False,
               reference_to=("User",), relationship="InsertedBy"),
            _f("IsDeleted", "boolean", "Deleted"),
            _f("CreatedById", "reference", "Created By ID", nillable=False,
               reference_to=("User",), relationship="CreatedBy"),
            _f("CreatedDate", "datetime", "Created Date", nillable=False),
            _f("SystemModstamp", "datetime", "System Modstamp", nillable=False),
        ),
    )


TRACKED = ("FlowOrchestrationInstance", "FlowOrchestrationStageInstance")


class Schema:
    """The objects this org has, with their version gates, the Feed/History switch and what
    the API user may see.

    `feed_history`: an org that switched feed and field-history tracking on for runs and
    stages (real orgs mostly have not: no real global describe lists those objects).
    `run_log_access`: the API user holds Manage Flow or View All Data, without which the run
    log (FlowOrchestrationLog) is not in the describe at all, as in two real 2023 orgs.
    """

    def __init__(self, *, feed_history: bool = True, prefixes: KeyPrefixes | None = None,
                 run_log_access: bool = True) -> None:
        kp = prefixes or KeyPrefixes()
        self.prefixes = kp
        self.feed_history = feed_history
        self.run_log_access = run_log_access
        self._log_hidden = frozenset() if run_log_access else frozenset({"floworchestrationlog"})
        self.hidden = self._log_hidden
        feeds = tuple(f"{t}Feed" for t in TRACKED) if feed_history else ()
        comment = _feed_comment(parents=(*(TRACKED if feed_history else ()), "User"),
                                feeds=("FeedItem", *feeds, "UserFeed"))
        from .schema_triage import TRIAGE_CHILDREN, triage_objects

        objs = _orchestration_objects(kp) + _platform_objects(kp) + _context_objects() + [
            comment] + triage_objects()
        for o in objs:
            o.children.extend(TRIAGE_CHILDREN.get(o.name, ()))
        for name, label, prefix in (
            ("FlowOrchestrationInstance", "Orchestration Run", kp.instance_share),
            ("FlowOrchestrationStageInstance", "Orchestration Stage Run", kp.stage_share),
            ("FlowOrchestrationStepInstance", "Orchestration Step Run", kp.step_share),
            ("FlowOrchestrationWorkItem", "Orchestration Work Item", kp.work_item_share),
        ):
            objs.append(_share(f"{name}Share", label, name, prefix, 56.0))
        if feed_history:
            for name, label in (
                ("FlowOrchestrationInstance", "Orchestration Run"),
                ("FlowOrchestrationStageInstance", "Orchestration Stage Run"),
            ):
                objs.append(_feed(f"{name}Feed", label, name, 53.0))
                objs.append(_history(f"{name}History", label, name, 53.0))
        self.objects: dict[str, ObjectDef] = {}
        for o in objs:
            o.lower = {n.lower(): f for n, f in o.fields.items()}
            o.rels = {f.relationship.lower(): f for f in o.fields.values() if f.relationship}
            self.objects[o.name.lower()] = o
        self.by_prefix = {o.key_prefix: o for o in objs if o.key_prefix not in ("0D5", "017")}

    def hide(self, names: frozenset[str]) -> None:
        """Objects the API user may not see (the permission switch): absent from describes
        and from SOQL, as real orgs hide an object from a user without access to it."""
        self.hidden = self._log_hidden | {n.lower() for n in names}

    def get(self, name: str, version: float) -> ObjectDef | None:
        key = name.lower()
        o = self.objects.get(key)
        if o is None or o.since > version or key in self.hidden:
            return None
        return o

    def all_at(self, version: float) -> list[ObjectDef]:
        return sorted((o for o in self.objects.values()
                       if o.since <= version and o.name.lower() not in self.hidden),
                      key=lambda o: o.name)

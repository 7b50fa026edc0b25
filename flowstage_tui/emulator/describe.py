"""Describe results (global and per object) in Salesforce's JSON shape."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .org_objects import NAMES, QUERYABLE
from .schema import SOAP_TYPES, FieldDef, ObjectDef, Schema

# Key prefixes every org shares, for the best-known of the listed objects; the rest are null
# (a real org gives each its prefix, which the typeNames.json source does not record).
KNOWN_PREFIXES = {
    "Account": "001", "Note": "002", "Contact": "003", "Opportunity": "006",
    "RecordType": "012", "Document": "015", "Lead": "00Q", "Task": "00T", "Event": "00U",
    "Profile": "00e", "UserRole": "00E", "Attachment": "00P", "Report": "00O",
    "EmailTemplate": "00X", "CaseComment": "00a", "ContentVersion": "068",
    "ContentDocument": "069", "ApexClass": "01p", "ApexTrigger": "01q", "Pricebook2": "01s",
    "Product2": "01t", "Dashboard": "01Z", "Asset": "02i", "PermissionSet": "0PS",
    "FeedItem": "0D5", "Case": "500", "Solution": "501", "Campaign": "701", "Contract": "800",
    "Order": "801",
}
_ASSOCIATED = (("ChangeEvent", "ChangeEvent"), ("Share", "Share"), ("History", "History"),
               ("Feed", "Feed"))
_NAME_SET = frozenset(NAMES)


def _urls(base: str, name: str) -> dict[str, str]:
    return {"sobject": f"{base}/sobjects/{name}", "describe": f"{base}/sobjects/{name}/describe",
            "rowTemplate": f"{base}/sobjects/{name}/{{ID}}"}


def global_entry(base: str, o: ObjectDef) -> dict[str, Any]:
    return {
        "activateable": False, "associateEntityType": _assoc_type(o),
        "associateParentEntity": _assoc_parent(o), "createable": o.createable, "custom": False,
        "customSetting": False, "deepCloneable": False, "deletable": o.deletable,
        "deprecatedAndHidden": False, "feedEnabled": o.feed_enabled, "hasSubtypes": False,
        "isInterface": False, "isSubtype": False, "keyPrefix": o.key_prefix, "label": o.label,
        "labelPlural": o.label_plural, "layoutable": not o.name.endswith(("Share", "History")),
        "mergeable": False, "mruEnabled": o.name in ("FlowOrchestrationInstance",
                                                      "FlowOrchestrationWorkItem"),
        "name": o.name, "queryable": True, "replicateable": o.replicateable,
        "retrieveable": True, "searchable": False, "triggerable": False, "undeletable": False,
        "updateable": o.updateable, "urls": _urls(base, o.name),
    }


def _assoc_type(o: ObjectDef) -> str | None:
    for suffix in ("Feed", "History", "Share"):
        if o.name.endswith(suffix) and o.name.startswith("FlowOrchestration"):
            return suffix
    return None


def _assoc_parent(o: ObjectDef) -> str | None:
    kind = _assoc_type(o)
    return o.name[: -len(kind)] if kind else None


def _label(name: str) -> str:
    """A label from the API name (AccountContactRole: "Account Contact Role"); the source
    records names only."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)


def listed_entry(base: str, name: str) -> dict[str, Any]:
    """A global describe entry for one of a real org's objects the demo org does not model:
    the same keys as its own, the real `queryable` flag, everything it cannot vouch for off.
    Describing or querying one answers as a real org does for an object the user cannot
    reach (404 NOT_FOUND, INVALID_TYPE): the demo org holds no data or fields for them."""
    assoc_type = assoc_parent = None
    for suffix, kind in _ASSOCIATED:
        parent = name[: -len(suffix)]
        if name.endswith(suffix) and parent in _NAME_SET:
            assoc_type, assoc_parent = kind, parent
            break
    label = _label(name)
    return {
        "activateable": False, "associateEntityType": assoc_type,
        "associateParentEntity": assoc_parent, "createable": False, "custom": False,
        "customSetting": False, "deepCloneable": False, "deletable": False,
        "deprecatedAndHidden": False, "feedEnabled": False, "hasSubtypes": False,
        "isInterface": False, "isSubtype": False, "keyPrefix": KNOWN_PREFIXES.get(name),
        "label": label, "labelPlural": label + "s", "layoutable": False, "mergeable": False,
        "mruEnabled": False, "name": name, "queryable": name in QUERYABLE,
        "replicateable": False, "retrieveable": name in QUERYABLE, "searchable": False,
        "triggerable": False, "undeletable": False, "updateable": False,
        "urls": _urls(base, name),
    }


@lru_cache(maxsize=64)
def _listed(base: str, modelled: frozenset[str]) -> tuple[dict[str, Any], ...]:
    return tuple(listed_entry(base, n) for n in NAMES if n.lower() not in modelled)


def global_describe(schema: Schema, version: float, base: str) -> dict[str, Any]:
    """The org's own objects at this version, and beside them the rest of a real org's
    (org_objects.py), so that a global describe weighs what a real one does. An object the
    demo org models is never taken from the list: its version gates, the Feed/History switch
    and the run-log permission decide whether it is there."""
    own = {o.name: global_entry(base, o) for o in schema.all_at(version)}
    rest = {e["name"]: e for e in _listed(base, frozenset(schema.objects))}
    merged = {**rest, **own}
    return {"encoding": "UTF-8", "maxBatchSize": 200,
            "sobjects": [merged[n] for n in sorted(merged)]}


def field_describe(f: FieldDef) -> dict[str, Any]:
    text = f.type in ("string", "textarea", "picklist", "email", "url")
    return {
        "aggregatable": f.aggregatable, "aiPredictionField": False, "autoNumber": f.autonumber,
        "byteLength": f.length * 3 if text or f.type in ("id", "reference") else 0,
        "calculated": False, "calculatedFormula": None, "cascadeDelete": False,
        "caseSensitive": False, "compoundFieldName": None, "controllerName": None,
        "createable": f.createable, "custom": False, "defaultValue": False if f.type == "boolean"
        else None, "defaultValueFormula": None, "defaultedOnCreate": f.autonumber or f.type in (
            "boolean", "id") or f.name in ("CreatedDate", "SystemModstamp", "OwnerId"),
        "dependentPicklist": False, "deprecatedAndHidden": False,
        "digits": 18 if f.type == "long" else (9 if f.type == "int" else 0),
        "displayLocationInDecimal": False, "encrypted": False, "externalId": False,
        "extraTypeInfo": None, "filterable": f.filterable, "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False, "groupable": f.groupable,
        "highScaleNumber": False, "htmlFormatted": False, "idLookup": f.id_lookup or f.type == "id",
        "inlineHelpText": None, "label": f.label,
        "length": f.length if text else (18 if f.type in ("id", "reference") else 0),
        "mask": None, "maskType": None, "name": f.name, "nameField": f.name == "Name",
        "namePointing": len(f.reference_to) > 1, "nillable": f.nillable, "permissionable":
        f.nillable and f.type not in ("id",), "picklistValues": [
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
            for v in f.picklist], "polymorphicForeignKey": len(f.reference_to) > 1,
        "precision": 0, "queryByDistance": False, "referenceTargetField": None,
        "referenceTo": list(f.reference_to), "relationshipName": f.relationship,
        "relationshipOrder": None, "restrictedDelete": False,
        "restrictedPicklist": f.type == "picklist" and f.restricted, "scale": 0,
        "searchPrefilterable": False, "soapType": SOAP_TYPES.get(f.type, "xsd:string"),
        "sortable": f.sortable, "type": f.type, "unique": False, "updateable": f.updateable,
        "writeRequiresMasterRead": False,
    }


def object_describe(schema: Schema, o: ObjectDef, version: float, base: str) -> dict[str, Any]:
    out = global_entry(base, o)
    children = []
    for rel in o.children:
        if o.child(rel.name, version, schema) is None:
            continue
        children.append({"cascadeDelete": rel.child != "FlowOrchestrationWorkItem",
                         "childSObject": rel.child, "deprecatedAndHidden": False,
                         "field": rel.field, "junctionIdListNames": [], "junctionReferenceTo": [],
                         "relationshipName": rel.name, "restrictedDelete": False})
    out.update({
        "actionOverrides": [], "childRelationships": children, "compactLayoutable": False,
        "fields": [field_describe(f) for f in o.fields_at(version)], "listviewable": None,
        "lookupLayoutable": None, "namedLayoutInfos": [], "networkScopeFieldName": None,
        "recordTypeInfos": [], "searchLayoutable": False, "supportedScopes": [
            {"label": "All orchestration runs", "name": "everything"}],
        "sobjectDescribeOption": "FULL",
    })
    return out

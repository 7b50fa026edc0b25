"""Describe results (global and per object) in Salesforce's JSON shape."""

from __future__ import annotations

from typing import Any

from .schema import SOAP_TYPES, FieldDef, ObjectDef, Schema


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


def global_describe(schema: Schema, version: float, base: str) -> dict[str, Any]:
    return {"encoding": "UTF-8", "maxBatchSize": 200,
            "sobjects": [global_entry(base, o) for o in schema.all_at(version)]}


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

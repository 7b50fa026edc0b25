"""The data layer: models, SOQL building, parsing, the API client, capability detection.

No Textual here; simple-salesforce is imported lazily (it drags in zeep and lxml).
"""

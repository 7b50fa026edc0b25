"""flowstage: browse and triage Salesforce Flow Orchestration runs from a terminal.

This module holds the version only, so `flowstage --version` and every import of a
sub-package stay cheap (no Textual, no simple-salesforce).
"""

__version__ = "0.1.0"

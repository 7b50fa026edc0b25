"""The screens: one TriageScreen per open org, and the dialogs over it."""

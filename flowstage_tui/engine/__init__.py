"""The sync engine: an incremental mirror of what the user is looking at. No Textual here."""

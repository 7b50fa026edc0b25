"""Profiles, settings, paths and secret sources. No Textual here."""

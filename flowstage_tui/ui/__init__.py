"""The Textual user interface. The only package that imports textual (DESIGN.md rule 1)."""

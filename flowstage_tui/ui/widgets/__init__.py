"""One module per widget; each owns its own keys."""

"""Remote-style input: every key, button and tap becomes a named action (see ``actions``)."""

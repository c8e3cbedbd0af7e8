"""The TV front end: the activation-screen app loop, read-aloud, event log, screenshots."""

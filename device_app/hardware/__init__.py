"""The TV's hardware platform: board files, display back ends, remote input, systemd."""

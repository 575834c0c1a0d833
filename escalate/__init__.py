"""Escalate: runs multi-agency professional challenge and escalation procedures."""

__version__ = "0.1.0"

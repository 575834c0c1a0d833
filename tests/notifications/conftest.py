"""Fixtures for the notification tests: a controllable clock."""

from __future__ import annotations

"""Tracking stores: the abstract API and its SQL implementation."""

from __future__ import annotations

from .base import TrackingStore
from .sql import SqlTrackingStore

__all__ = ["SqlTrackingStore", "TrackingStore"]

"""Shared editing: who ran what in co-edited notebooks, the activity feed, presence and the
restart safety of jupyter-collaboration's rooms."""

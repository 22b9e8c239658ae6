"""The server's side of automatic tracking: whether it is on for a notebook, and why."""

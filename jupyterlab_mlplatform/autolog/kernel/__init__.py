"""The part of automatic tracking that runs inside kernels (no server imports here)."""

"""The server's side of its kernels: their credentials, launch settings, and who runs code."""

"""Deployment: the self-describing model package (``deploy.model``) and its serving.

``deploy.model`` imports only the standard library, pydantic, numpy and pandas (each
flavor's library when that flavor is saved or loaded): it is copied as-is into the
serving images, next to the serving runtime.
"""

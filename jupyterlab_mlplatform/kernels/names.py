"""Names shared by the server and the code running in kernels (no imports: kernels load this)."""

URL_VARIABLE = "MLPLATFORM_URL"
TOKEN_VARIABLE = "MLPLATFORM_TOKEN"
MLFLOW_URI_VARIABLE = "MLFLOW_TRACKING_URI"
MLFLOW_TOKEN_VARIABLE = "MLFLOW_TRACKING_TOKEN"

PARENT_MESSAGE_HEADER = "X-MLPlatform-Parent-Msg-Id"
"""Sent by the kernel client: the id of the execute request the calling code runs under."""

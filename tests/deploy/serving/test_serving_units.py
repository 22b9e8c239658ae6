"""The scoring server's parts without a server: the keys file, the signature checks, the
predict calls' splitting and fallback, the micro-batcher's decisions, the metrics format."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jupyterlab_mlplatform.deploy.model import METADATA_FILE, ColumnSpec, Signature, TensorSpec
from jupyterlab_mlplatform.deploy.model.input_schema import InputSchema, Item, combine
from jupyterlab_mlplatform.deploy.serving import imports
from jupyterlab_mlplatform.deploy.serving.batching import MicroBatcher, Predictor
from jupyterlab_mlplatform.deploy.serving.formats import media_type, parse
from jupyterlab_mlplatform.deploy.serving.keys import (
    SLOW_CHECKS_BURST,
    SLOW_CHECKS_PER_SECOND,
    KeyStore,
    check_hash,
    generate_key,
    hash_key,
    is_slow,
    key_id_of,
    write_keys_file,
)
from jupyterlab_mlplatform.deploy.serving.metrics import Metrics
from jupyterlab_mlplatform.deploy.serving.scoring_errors import (
    InvalidInput,
    MalformedRequest,
    PredictionFailed,
    ServingError,
    UnsupportedMediaType,
)

SIGNATURE = Signature(
    inputs=[
        ColumnSpec(name="a", type="double"),
        ColumnSpec(name="b", type="long"),
        ColumnSpec(name="c", type="string"),
        ColumnSpec(name="d", type="boolean", required=False),
    ]
)
NUMERIC = Signature(inputs=[ColumnSpec(name=n, type="double") for n in ("x", "y")])


def body(payload: str) -> bytes:
    return payload.encode()


# -- keys ------------------------------------------------------------------------------


def test_keys_hash_and_verify(tmp_path: Path) -> None:
    key = generate_key("team-1")
    assert key_id_of(key) == "team-1"
    assert key_id_of("no-dot") is None and key_id_of("bad id.x") is None
    encoded = hash_key(key)
    assert encoded.startswith("hmac_sha256$") and not is_slow(encoded)
    assert check_hash(key, encoded) and not check_hash(key + "x", encoded)
    assert hash_key(key) != encoded  # salted
    slow = hash_key(key, slow=True)
    assert slow.startswith("scrypt$16384$8$1$") and is_slow(slow)
    assert check_hash(key, slow) and not check_hash(key + "x", slow)
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", key.encode(), salt, 1000)
    b64 = base64.urlsafe_b64encode
    pbkdf2 = f"pbkdf2_sha256$1000${b64(salt).decode()}${b64(digest).decode()}"
    assert check_hash(key, pbkdf2)
    for broken in (
        "",
        "md5$x",
        "scrypt$1$1$1$AA$AA",
        "scrypt$x$8$1$AA$AA",
        "pbkdf2_sha256$0$AA$AA",
        "hmac_sha256$AA",
        "hmac_sha256$!!$AA",
    ):
        assert not check_hash(key, broken)

    path = tmp_path / "keys"
    store = KeyStore(str(path))  # missing file: refuses everything
    assert store.verify(key) is None
    write_keys_file(str(path), {"team-1": encoded})
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert store.verify_header(f"Bearer {key}") == "team-1"
    assert store.verify_header(f"bearer  {key} ") == "team-1"
    assert store.verify_header(f"Basic {key}") is None
    assert store.verify_header(None) is None
    assert store.verify_header("Bearer ") is None
    path.write_text(f"# comment\n\nbroken line here\nteam-1 {encoded}\nteam-2\n")
    assert store.verify(key) == "team-1"
    write_keys_file(str(path), {})
    assert store.verify(key) is None  # revoked: the file changed
    with pytest.raises(ValueError):
        write_keys_file(str(path), {"bad id": encoded})
    with pytest.raises(ValueError):
        generate_key("no spaces")


def _random_secrets(key_id: str, count: int) -> list[str]:
    return [generate_key(key_id) for _ in range(count)]


def test_wrong_secrets_for_a_fast_hash_are_refused_and_the_key_still_works(
    tmp_path: Path,
) -> None:
    # Given a keys file with the proxy's key (fast hash) and a verified user key
    proxy, user = generate_key("mlplatform-proxy"), generate_key("team-1")
    path = tmp_path / "keys"
    write_keys_file(str(path), {"mlplatform-proxy": hash_key(proxy), "team-1": hash_key(user)})
    store = KeyStore(str(path))

    # When an attacker sends many random secrets for the public key id
    assert [store.verify(k) for k in _random_secrets("mlplatform-proxy", 3000)] == [None] * 3000

    # Then each was checked (no budget applies) and the real keys are still accepted
    assert store.verify(proxy) == "mlplatform-proxy"
    assert store.verify(user) == "team-1"
    assert store.verify(proxy[:-1] + ("A" if proxy[-1] != "A" else "B")) is None


def test_slow_hash_checks_per_key_id_are_bounded(tmp_path: Path) -> None:
    # Given a keys file from before (scrypt hashes), one key already verified
    known, other = generate_key("old-1"), generate_key("old-2")
    path = tmp_path / "keys"
    write_keys_file(
        str(path), {"old-1": hash_key(known, slow=True), "old-2": hash_key(other, slow=True)}
    )
    store = KeyStore(str(path))
    assert store.verify(known) == "old-1"  # one slow check, then remembered

    # When wrong secrets for both ids arrive faster than the budget refills
    assert [store.verify(k) for k in _random_secrets("old-1", 10)] == [None] * 10
    flood = _random_secrets("old-2", SLOW_CHECKS_BURST + 20)
    assert [store.verify(k) for k in flood] == [None] * len(flood)

    # Then old-2's budget is spent: even its right key is refused without a check for now
    assert store.verify(other) is None
    # ... while a key verified before stays accepted (no slow check needed)
    assert store.verify(known) == "old-1"

    # And once the budget has refilled, the right key is checked and accepted
    time.sleep(1.2 / SLOW_CHECKS_PER_SECOND)
    assert store.verify(other) == "old-2"


# -- formats and the signature ---------------------------------------------------------


def test_media_types() -> None:
    assert media_type("application/json; charset=utf-8") == "application/json"
    assert media_type("Application/JSON") == "application/json"
    assert media_type("application/vnd.x+json") == "application/json"
    assert media_type("text/csv") == "text/csv"
    for bad in (None, "", "text/plain", "multipart/form-data"):
        with pytest.raises(UnsupportedMediaType):
            media_type(bad)


def test_mixed_columns_are_cast_and_checked() -> None:
    schema = InputSchema(SIGNATURE)
    item = parse(
        body('{"dataframe_records": [{"a": 1, "b": 2.0, "c": "x"}, {"a": 1.5, "b": 3, "c": "y"}]}'),
        "application/json",
        schema,
    )
    assert item.kind == "columns" and item.rows == 2
    frame = combine([item, item], schema)
    assert list(frame.columns) == ["a", "b", "c"]  # the optional one was not sent
    assert (frame.a.dtype, frame.b.dtype) == (np.dtype("float64"), np.dtype("int64"))
    assert frame.c.tolist() == ["x", "y", "x", "y"]
    assert len(frame) == 4
    cases = {
        '{"dataframe_records": [{"a": "1", "b": 2, "c": "x"}]}': "a",
        '{"dataframe_records": [{"a": 1, "b": 2.5, "c": "x"}]}': "b",
        '{"dataframe_records": [{"a": 1, "b": null, "c": "x"}]}': "b",
        '{"dataframe_records": [{"a": 1, "b": 2, "c": 5}]}': "c",
        '{"dataframe_records": [{"a": 1, "b": 2, "c": "x", "d": "yes"}]}': "d",
        '{"dataframe_records": [{"a": 1, "b": 2}]}': "c",
        '{"inputs": {"a": [1], "b": [2], "c": [null]}}': "c",
    }
    for payload, column in cases.items():
        with pytest.raises(InvalidInput) as error:
            parse(body(payload), "application/json", schema)
        assert error.value.column == column, payload
    item = parse(body("a,b,c,d\n1.5,2,x,true\n2,3,y,\n"), "text/csv", schema)
    frame = combine([item], schema)
    assert frame.a.tolist() == [1.5, 2.0] and frame.b.tolist() == [2, 3]
    assert frame.d.tolist() == [True, None]  # an empty cell is a null: 'd' is optional
    with pytest.raises(InvalidInput) as error:  # 'a' is required
        parse(body("a,b,c\n,3,y\n"), "text/csv", schema)
    assert error.value.column == "a"


def test_numeric_matrix_fast_path() -> None:
    schema = InputSchema(NUMERIC)
    assert schema.matrix_dtype == np.float64
    one = parse(body('{"dataframe_split": {"columns": ["y", "x"], "data": [[1, 2]]}}'),
                "application/json", schema)  # fmt: skip
    two = parse(body('{"inputs": [[3, 4.5], [5, 6]]}'), "application/json", schema)
    assert one.kind == two.kind == "matrix" and one.key == two.key
    frame = combine([one, two], schema)
    assert frame.to_numpy().tolist() == [[2, 1], [3, 4.5], [5, 6]]
    records = parse(body('{"dataframe_records": [{"x": 1, "y": 2}]}'), "application/json", schema)
    assert records.kind == "matrix"  # same key: it batches with the others
    with pytest.raises(InvalidInput) as error:
        parse(body('{"inputs": [[1, null]]}'), "application/json", schema)
    assert error.value.column == "y"
    with pytest.raises(MalformedRequest):
        parse(body('{"inputs": [[1, 2], [3]]}'), "application/json", schema)
    with pytest.raises(MalformedRequest):
        parse(body('{"dataframe_split": {"columns": "x", "data": [[1, 2]]}}'),
              "application/json", schema)  # fmt: skip


def test_tensor_and_no_signature() -> None:
    tensor = InputSchema(Signature(inputs=TensorSpec(dtype="float32", shape=[-1, 2])))
    item = parse(body('{"instances": [[1, 2], [3, 4]]}'), "application/json", tensor)
    assert item.data.dtype == np.float32 and item.rows == 2
    with pytest.raises(InvalidInput):
        parse(body('{"inputs": [["a", "b"]]}'), "application/json", tensor)
    free = InputSchema(None)
    item = parse(body("p,q\n1,a\n2,b\n"), "text/csv", free)
    assert item.kind == "frame" and item.data.p.tolist() == [1, 2]
    item = parse(body('{"dataframe_split": {"columns": ["p"], "data": [[1]]}}'),
                 "application/json", free)  # fmt: skip
    assert item.kind == "frame"


# -- predict calls and batching --------------------------------------------------------


def numeric_items(*rows: list[list[float]]) -> list[Item]:
    schema = InputSchema(NUMERIC)
    return [schema.from_rows(["x", "y"], list(r)) for r in rows]


def test_predictor_splits_and_isolates_failures() -> None:
    schema = InputSchema(NUMERIC)
    metrics = Metrics()

    def predict(frame: pd.DataFrame) -> Any:
        if (frame.x < 0).any():
            raise ValueError("negative x\nsecond line")
        return frame.x.to_numpy() * 10

    predictor = Predictor(predict, schema, metrics)
    items = numeric_items([[1, 0], [2, 0]], [[-1, 0]], [[3, 0]])
    results = predictor.run(items)
    assert results[0] == [10.0, 20.0] and results[2] == [30.0]
    assert isinstance(results[1], PredictionFailed)
    assert results[1].message.endswith("ValueError: negative x")
    # one shared call that failed, then one call per item
    assert metrics.value("predict_batches_total") == 4
    assert metrics.value("predict_requests_total") == 6

    def internal(frame: pd.DataFrame) -> Any:
        raise RuntimeError("boom")

    (failure,) = Predictor(internal, schema, metrics).run(numeric_items([[1, 2]]))
    assert type(failure) is ServingError and failure.status_code == 500

    def frame_out(frame: pd.DataFrame) -> Any:
        return pd.DataFrame({"p": frame.x, "q": frame.y})

    out = Predictor(frame_out, schema, metrics).run(numeric_items([[1, 2]], [[3, 4]]))
    assert out == [[{"p": 1.0, "q": 2.0}], [{"p": 3.0, "q": 4.0}]]

    def scalar(frame: pd.DataFrame) -> Any:
        return np.float64(1.5)

    assert Predictor(scalar, schema, metrics).run(numeric_items([[1, 2]])) == [1.5]
    shared = Predictor(scalar, schema, metrics).run(numeric_items([[1, 2]], [[3, 4]]))
    assert shared == [1.5, 1.5]  # could not be split: predicted one by one


def test_micro_batcher_waits_only_when_it_helps() -> None:
    calls: list[int] = []

    def predict(frame: pd.DataFrame) -> Any:
        calls.append(len(frame))
        return frame.x.to_numpy()

    predictor = Predictor(predict, InputSchema(NUMERIC), Metrics())

    async def scenario(open_connections: int, timeout: float, count: int) -> list[Any]:
        batcher = MicroBatcher(predictor, 4, timeout, lambda: open_connections)
        items = numeric_items(*[[[float(i), 0.0]] for i in range(count)])
        return await asyncio.gather(*(batcher.submit(item) for item in items))

    # arriving in the same turn of the loop: one call, whatever the timeout
    assert asyncio.run(scenario(16, 0.0, 3)) == [[0.0], [1.0], [2.0]]
    assert calls == [3]
    calls.clear()
    # more than max_size: split in calls of at most 4
    assert len(asyncio.run(scenario(16, 0.05, 10))) == 10
    assert calls == [4, 4, 2]
    calls.clear()

    async def trickle(open_connections: int) -> float:
        """Two requests 5 ms apart with a 50 ms timeout: how long the first waited."""
        batcher = MicroBatcher(predictor, 8, 0.05, lambda: open_connections)
        (first,), (second,) = numeric_items([[1.0, 0.0]]), numeric_items([[2.0, 0.0]])
        loop = asyncio.get_running_loop()
        start = loop.time()
        task = asyncio.ensure_future(batcher.submit(first))
        await asyncio.sleep(0.005)
        await batcher.submit(second)
        await task
        return loop.time() - start

    # one connection: nobody else can send, the first request does not wait
    asyncio.run(trickle(1))
    assert calls == [1, 1]
    calls.clear()
    # the first request had no predecessor to estimate the rate from, so it went at once;
    # with traffic established, a request waits for its neighbours (up to the timeout)
    asyncio.run(trickle(8))
    assert calls in ([1, 1], [2])


# -- metrics ---------------------------------------------------------------------------


def test_metrics_exposition() -> None:
    metrics = Metrics(workers=2)
    metrics.bind_worker(0)
    metrics.request("/invocations", 200, 0.003)
    metrics.bind_worker(1)
    metrics.request("/invocations", 200, 0.2)
    metrics.request("/nowhere", 404, 0.001)
    metrics.request("/invocations", 418, 0.001)
    metrics.error("MALFORMED_REQUEST")
    metrics.error("not a code")
    metrics.batch(3, 7, 0.002)
    metrics.model_loaded(1.25)
    metrics.info = {"deployment": 'a "quoted"\nname'}
    text = metrics.exposition()
    assert 'mlplatform_serving_requests_total{handler="/invocations",code="200"} 2' in text
    assert 'mlplatform_serving_requests_total{handler="other",code="404"} 1' in text
    assert 'mlplatform_serving_requests_total{handler="/invocations",code="other"} 1' in text
    assert (
        'mlplatform_serving_request_duration_seconds_bucket{handler="/invocations",le="0.005"} 2'
        in text
    )
    assert (
        'mlplatform_serving_request_duration_seconds_bucket{handler="/invocations",le="0.25"} 3'
        in text
    )
    assert 'mlplatform_serving_errors_total{error_code="MALFORMED_REQUEST"} 1' in text
    assert "mlplatform_serving_predict_rows_total 7" in text
    assert 'mlplatform_serving_batch_size_bucket{le="2"} 0' in text
    assert 'mlplatform_serving_batch_size_bucket{le="4"} 1' in text
    assert "mlplatform_serving_model_load_seconds 1.25" in text
    assert "mlplatform_serving_workers 2" in text
    assert 'mlplatform_serving_model_info{deployment="a \\"quoted\\"\\nname"} 1' in text
    assert text.endswith("\n")


def test_import_guard_reads_the_model_package_file(tmp_path: Path) -> None:
    # serving.imports must not import deploy.model; both read the name from constants.py
    assert not imports.guard_applies(str(tmp_path))
    (tmp_path / METADATA_FILE).write_text('{"flavor": "sklearn", "model_class": "x.Y"}')
    assert imports.guard_applies(str(tmp_path))

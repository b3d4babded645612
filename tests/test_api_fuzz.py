"""No input produces a 500: property-based runs over the API.

* hypothesis on the query parameters of `GET /search` and the body of `POST /partners`
  (always runs: hypothesis is a test dependency);
* schemathesis over the whole OpenAPI schema, in process against the ASGI app, checking
  status codes, response schemas and content types as documented (runs when schemathesis
  is installed: `pip install schemathesis`).

Both are bounded (a few dozen examples per operation) so they finish in well under a minute.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from conftest import make_engine
from gfmd_search_api.main import create_app

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture(scope="module")
def app(sample_engine):
    return create_app(sample_engine, warm_up=False)


@pytest.fixture(scope="module")
def client(app):
    # raise_server_exceptions: an unhandled error fails the test loudly instead of answering 500
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=True) as c:
        yield c


def _json_error(r) -> None:
    assert r.headers["content-type"].startswith("application/json")
    assert isinstance(r.json()["detail"], str)


text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=80),
    st.sampled_from(["", " ", "\t\n", "remittances", "skills partnerships", "AND OR NOT", "*", "\"'<>&", "الهجرة", "移民"]),
    st.text(min_size=1990, max_size=2010, alphabet="ab "),
)
ints = st.one_of(st.integers(-5, 120), st.sampled_from([0, 1, 100, 101, 10**12, -(10**12)]))
years = st.one_of(st.none(), st.integers(900, 10100), st.sampled_from(["", "20x", "2010.5", "-1"]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)


@FUZZ
@given(
    q=st.one_of(st.none(), text),
    k=st.one_of(st.none(), ints, st.text(max_size=5)),
    mode=st.one_of(st.none(), st.sampled_from(["dense", "bm25", "hybrid", "", "DENSE", "semantic"])),
    year_from=years,
    year_to=years,
    types=st.lists(st.one_of(st.sampled_from(["meeting record", "practice", "Overview"]), st.text(max_size=12)), max_size=3),
    group=st.one_of(st.none(), st.sampled_from(["true", "false", "1", "0", "yes", "maybe"])),
    extra=st.one_of(st.none(), st.sampled_from(["year", "K", "query"])),
)
def test_search_never_fails(client, q, k, mode, year_from, year_to, types, group, extra):
    params: list[tuple[str, str]] = []
    for key, value in (("q", q), ("k", k), ("mode", mode), ("year_from", year_from), ("year_to", year_to),
                       ("group", group), (extra, "1")):
        if key is not None and value is not None:
            params.append((key, str(value)))
    params += [("type", t) for t in types]
    r = client.get("/search", params=params)
    assert r.status_code in (200, 422), (params, r.status_code, r.text)
    if r.status_code == 200:
        body = r.json()
        assert body["count"] == len(body["hits"]) <= int(k if k is not None else 10)
    else:
        _json_error(r)


@FUZZ
@given(
    body=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"text": text},
            optional={
                "k": st.one_of(ints, json_values),
                "types": st.one_of(st.lists(st.text(max_size=15), max_size=3), json_values),
                "exclude": st.one_of(st.lists(st.text(max_size=15), max_size=3), json_values),
                "year_from": years,
                "year_to": years,
                "doc_types": st.lists(st.sampled_from(["meeting record", "x"]), max_size=2),
            },
        ),
    )
)
def test_partners_never_fails(client, body):
    r = client.post("/partners", json=body)
    assert r.status_code in (200, 422), (body, r.status_code, r.text)
    if r.status_code != 200:
        _json_error(r)


@FUZZ
@given(path=st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(["..", ".", "", "meetings", "corpus", "etc", "passwd", "%2e%2e", "..%2f", "~", "C:"]),
             max_size=5).map("/".join),
))
def test_files_and_documents_never_fail(client, path):
    from urllib.parse import quote

    for url in (f"/files/{quote(path)}", f"/files/{path}", f"/documents/{quote(path, safe='')}"):
        try:
            r = client.get(url)
        except Exception as exc:  # an URL the HTTP client itself refuses never reaches the server
            if "URL" in type(exc).__name__ or "Invalid" in type(exc).__name__:
                continue
            raise
        assert r.status_code < 500, (url, r.status_code, r.text)


# --- schemathesis over the OpenAPI schema ------------------------------------------------------


def _schema_cases(app):
    schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install schemathesis)")
    return schemathesis, schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("token", [None, "fuzz-token"], ids=["read-only", "with-token"])
def test_schemathesis_finds_no_server_error(sample_index, embedder, token):
    """Every operation, positive and negative examples, no 5xx and responses as documented."""
    # schemathesis's in-process client sends `Host: testserver`, which the app answers only when told to
    engine = make_engine(sample_index, embedder, api_token=token, allowed_hosts=("testserver",))
    app = create_app(engine, warm_up=False)
    schemathesis, schema = _schema_cases(app)
    from schemathesis.checks import not_a_server_error, positive_data_acceptance

    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation, mode in [(op, mode) for op in operations for mode in schemathesis.GenerationMode]:
        if token and operation.path == "/admin/ingest":
            continue  # without the token it can only answer 401/403; covered by the read-only run

        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call()
            status = response.status_code
            if status >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r} -> {status}")
            # positive_data_acceptance: the schema cannot express cross-field rules (year_from <= year_to),
            # the index's document types, or "not blank"; the API answers those with documented 422s.
            case.validate_response(response, excluded_checks=[positive_data_acceptance, not_a_server_error])

        try:
            run()
        except Unsatisfiable:
            assert mode is schemathesis.GenerationMode.NEGATIVE  # no parameter to get wrong (/health, /stats)
    assert not failures, "\n".join(failures)

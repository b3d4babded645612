"""The HTTP API: every endpoint's success path, its 4xx answers, the source-file route's
refusals, the token-protected endpoints, limits and headers."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import CORPUS, make_engine
from gfmd_search.records import SearchQuery
from gfmd_search_api.main import create_app

LOCAL = "http://localhost"  # the app answers only local Host names (not TestClient's "testserver")
STATIC = Path(__file__).resolve().parents[1] / "api" / "static"


@pytest.fixture(scope="module")
def client(sample_engine) -> TestClient:
    with TestClient(create_app(sample_engine, warm_up=False), base_url=LOCAL) as c:
        yield c


def assert_error(r, status: int, *words: str) -> dict:
    """A JSON error with this status whose detail mentions every word."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body["detail"], str) and body["detail"]
    for word in words:
        assert word.lower() in body["detail"].lower(), body["detail"]
    return body


# --- health and stats ---------------------------------------------------------------------------


def test_health(client, sample_engine):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["documents"] == sample_engine.stats()["documents"]
    assert body["index_version"].startswith("v-")


def test_health_and_search_without_an_index_answer_503(tmp_path, embedder):
    c = TestClient(create_app(make_engine(tmp_path / "none", embedder), warm_up=False), base_url=LOCAL)
    r = c.get("/health")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable" and "ingest" in r.json()["detail"]
    assert_error(c.get("/search", params={"q": "remittances"}), 503, "no index", "ingest")
    assert_error(c.get("/stats"), 503, "ingest")
    assert c.get("/").status_code == 200  # the page still loads, and shows the message


def test_stats(client, sample_engine):
    r = client.get("/stats")
    assert r.status_code == 200
    body = r.json()
    expected = sample_engine.stats()
    for key in ("documents", "chunks", "model", "dimension", "version"):
        assert body[key] == expected[key]
    assert body["doc_types"] and sum(body["doc_types"].values()) == body["documents"]
    assert body["years"] == sorted(body["years"]) and 2007 in body["years"]
    assert body["limits"]["max_k"] == 100 and body["limits"]["max_query_chars"] == 2000


# --- search ---------------------------------------------------------------------------------------


def test_search_returns_the_cli_hits_with_marked_snippets(client, sample_engine):
    r = client.get("/search", params={"q": "skills partnerships", "k": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "skills partnerships" and body["mode"] == "hybrid" and body["k"] == 5
    assert body["count"] == len(body["hits"]) == 5
    cli = [h.to_dict() for h in sample_engine.search(SearchQuery("skills partnerships", 5)).hits]
    for api_hit, cli_hit in zip(body["hits"], cli):
        assert {k: v for k, v in api_hit.items() if k != "file_url"} == cli_hit
    assert any("<mark>" in h["snippet"] for h in body["hits"])
    for hit in body["hits"]:
        if hit["doc_type"] == "practice":  # a record links to its source, not to its records file
            assert hit["file_url"] is None and hit["source"].startswith("http")
            continue
        assert hit["file_url"].startswith("/files/")
        if hit["file_url"].split("#")[0].endswith(".pdf"):
            assert hit["file_url"].endswith(f"#page={hit['page']}")


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_search_modes(client, mode):
    body = client.get("/search", params={"q": "remittances diaspora", "mode": mode, "k": 3}).json()
    assert body["mode"] == mode and 1 <= body["count"] <= 3


def test_search_filters_and_group(client):
    body = client.get("/search", params={"q": "labour migration", "k": 20, "year_from": 2010, "year_to": 2015}).json()
    assert body["hits"] and all(2010 <= h["year"] <= 2015 for h in body["hits"])
    assert body["filters"]["year_from"] == 2010
    body = client.get("/search", params={"q": "labour migration", "k": 20, "type": "Practice"}).json()
    assert body["hits"] and {h["doc_type"] for h in body["hits"]} == {"practice"}
    assert body["filters"]["types"] == ["practice"]
    body = client.get("/search", params={"q": "labour migration", "k": 10, "group": "true"}).json()
    docs = [h["doc_id"] for h in body["hits"]]
    assert body["group"] is True and len(docs) == len(set(docs)) > 1


def test_search_limits_at_their_edges_are_accepted(client):
    assert client.get("/search", params={"q": "migration", "k": 100}).status_code == 200
    assert client.get("/search", params={"q": "m" * 2000}).status_code == 200


@pytest.mark.parametrize(
    "params, words",
    [
        ({}, ["q", "required"]),
        ({"q": ""}, ["q", "empty"]),
        ({"q": "   \t "}, ["q", "empty"]),
        ({"q": "x" * 2001}, ["q", "2,001", "limit is 2,000"]),
        ({"q": "remittances", "k": 0}, ["k", "at least 1"]),
        ({"q": "remittances", "k": 101}, ["k", "at most 100"]),
        ({"q": "remittances", "k": "ten"}, ["k"]),
        ({"q": "remittances", "mode": "semantic"}, ["mode", "semantic", "dense, bm25, hybrid"]),
        ({"q": "remittances", "type": "novel"}, ["type", "novel", "meeting record"]),
        ({"q": "remittances", "year_from": "2015", "year_to": "2010"}, ["year_from", "after"]),
        ({"q": "remittances", "year_from": "recent"}, ["year_from"]),
        ({"q": "remittances", "year": "2010"}, ["unknown parameter", "year"]),
        ({"q": "remittances", "group": "maybe"}, ["group"]),
        ({"q": "nul\x00byte"}, ["q", "nul"]),
    ],
)
def test_search_rejects_bad_input_with_422(client, params, words):
    body = assert_error(client.get("/search", params=params), 422, *words)
    assert body["errors"] and all(e["field"] and e["message"] for e in body["errors"])


# --- partners -------------------------------------------------------------------------------------


def test_partners(client):
    r = client.post("/partners", json={"text": "diaspora engagement and remittances in Africa", "k": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["k"] == 5 and body["count"] == len(body["partners"]) <= 5
    assert body["partners"], "the sample corpus names actors for this text"
    scores = [p["score"] for p in body["partners"]]
    assert scores == sorted(scores, reverse=True)
    assert body["model"] == client.get("/stats").json()["partner_model"]["model"] and body["reason"] is None
    for partner in body["partners"]:
        assert partner["name"] and partner["type"] and partner["evidence"] and partner["explanation"]
        for ev in partner["evidence"]:
            assert ev["doc_id"] and ev["page"] >= 1
            assert ev["file_url"].startswith("/files/") if not ev["doc_id"].startswith("pfp-") else ev["file_url"] is None


def test_partners_types_and_exclude(client):
    first = client.post("/partners", json={"text": "labour mobility skills", "k": 5}).json()["partners"]
    top = first[0]
    found = client.post("/partners", json={"text": "labour mobility skills", "k": 5, "exclude": [top["name"]]}).json()
    assert top["name"] not in [p["name"] for p in found["partners"]]
    typed = client.post("/partners", json={"text": "labour mobility skills", "k": 5, "types": [top["type"]]}).json()
    assert {p["type"] for p in typed["partners"]} == {top["type"]}


@pytest.mark.parametrize(
    "body, words",
    [
        ({}, ["text", "required"]),
        ({"text": ""}, ["text", "empty"]),
        ({"text": "  "}, ["text", "empty"]),
        ({"text": "x" * 2001}, ["text", "limit is 2,000"]),
        ({"text": "remittances", "k": 0}, ["k", "at least 1"]),
        ({"text": "remittances", "k": 101}, ["k", "at most 100"]),
        ({"text": "remittances", "kk": 3}, ["kk", "not a known field"]),
        ({"text": "remittances", "types": "country"}, ["types"]),
        ({"text": "remittances", "types": ["planets"]}, ["types", "planets", "government"]),
        ({"text": "remittances", "doc_types": ["novel"]}, ["doc_types", "novel"]),
        ({"text": "remittances", "year_from": 2020, "year_to": 2010}, ["year_from", "after"]),
        ({"text": "remittances", "exclude": ["x"] * 101}, ["exclude", "limit is 100"]),
        ({"text": 42}, ["text"]),
        (["remittances"], ["body"]),
    ],
)
def test_partners_rejects_bad_input_with_422(client, body, words):
    assert_error(client.post("/partners", json=body), 422, *words)


def test_partners_rejects_bad_json_and_wrong_methods(client):
    r = client.post("/partners", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(r, 422, "not valid JSON")
    r = client.post("/partners", content=b"\xff\xfe\x00", headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["detail"]
    assert_error(client.get("/partners"), 405, "GET")
    assert_error(client.post("/search", json={"q": "x"}), 405)


def test_request_body_size_limit(client):
    big = b'{"text": "' + b"x" * 70_000 + b'"}'
    assert_error(client.post("/partners", content=big, headers={"content-type": "application/json"}), 413, "larger")

    def chunks():  # no Content-Length: the limit applies while the body streams in
        for _ in range(20):
            yield b"x" * 8192

    r = client.post("/partners", content=chunks(), headers={"content-type": "application/json"})
    assert_error(r, 413, "larger")
    r = client.post("/partners", content=b"{}", headers={"content-type": "application/json", "content-length": "abc"})
    assert r.status_code == 400


# --- documents -------------------------------------------------------------------------------------


def test_documents_list_and_one_document(client, sample_engine):
    listing = client.get("/documents").json()
    assert listing["count"] == sample_engine.stats()["documents"] == len(listing["documents"])
    r = client.get("/documents/gfmd-2012-port-louis")
    assert r.status_code == 200
    doc = r.json()
    assert doc["title"].startswith("GFMD 2012 Port Louis") and doc["year"] == 2012
    assert doc["file_url"] == "/files/meetings/gfmd-2012-port-louis.pdf"
    assert doc["chunks"] and [c["ordinal"] for c in doc["chunks"]] == sorted(c["ordinal"] for c in doc["chunks"])
    assert doc["chunks"][0]["file_url"].startswith("/files/meetings/gfmd-2012-port-louis.pdf#page=")
    assert "path" not in doc  # the server's file system layout stays private


def test_document_similar(client):
    r = client.get("/documents/pfp-bilateral-agreement-on-circular-migration-between-canada/similar", params={"k": 4})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == len(body["hits"]) == 4
    assert all(h["doc_id"] != "pfp-bilateral-agreement-on-circular-migration-between-canada" for h in body["hits"])
    assert all(bool(h["file_url"]) == (h["doc_type"] != "practice") for h in body["hits"])


def test_document_errors(client):
    practice = "/documents/pfp-bilateral-agreement-on-circular-migration-between-canada"
    assert_error(client.get("/documents/no-such-doc"), 404, "no-such-doc")
    assert_error(client.get("/documents/no-such-doc/similar"), 404, "no-such-doc")
    assert_error(client.get(f"{practice}/similar", params={"k": 0}), 422, "k")
    assert_error(client.get(f"{practice}/similar", params={"k": 101}), 422, "at most 100")
    assert_error(client.get(practice, params={"x": 1}), 422, "unknown parameter")


# --- source files -------------------------------------------------------------------------------------


def test_files_are_served_from_the_corpus(client):
    r = client.get("/files/meetings/gfmd-2012-port-louis.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert r.content == (CORPUS / "meetings" / "gfmd-2012-port-louis.pdf").read_bytes()
    r = client.get("/files/meetings/gfmd-2007-brussels.md")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert r.headers["content-security-policy"].startswith("sandbox")  # corpus files cannot run scripts
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.fixture()
def jail(tmp_path, embedder):
    """A corpus root with a secret beside it, and symlinks pointing in and out of the root."""
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "doc.txt").write_text("inside")
    (root / ".hidden.txt").write_text("hidden")
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    (tmp_path / "outside-dir").mkdir()
    (tmp_path / "outside-dir" / "x.txt").write_text("SECRET-CONTENT too")
    os.symlink(secret, root / "escape.txt")
    os.symlink(tmp_path / "outside-dir", root / "escape-dir")
    os.symlink("../../secret.txt", root / "sub" / "relative-escape.txt")
    os.symlink(root / "sub" / "doc.txt", root / "inside-link.txt")
    engine = make_engine(tmp_path / "no-index", embedder, corpus_root=root)
    return TestClient(create_app(engine, warm_up=False), base_url=LOCAL)


@pytest.mark.parametrize(
    "url, status",
    [
        ("/files/sub/doc.txt", 200),
        ("/files/inside-link.txt", 200),  # a symlink that stays inside the root is fine
        ("/files/%2e%2e/secret.txt", 400),
        ("/files/sub/%2e%2e/%2e%2e/secret.txt", 400),
        ("/files/..%2fsecret.txt", 400),
        ("/files/sub/..%5c..%5csecret.txt", 400),
        ("/files//etc/passwd", 400),
        ("/files/%2fetc%2fpasswd", 400),
        ("/files/C:%5cwindows%5cwin.ini", 400),
        ("/files/sub/doc.txt%00.pdf", 400),
        ("/files/escape.txt", 403),
        ("/files/escape-dir/x.txt", 403),
        ("/files/sub/relative-escape.txt", 403),
        ("/files/.hidden.txt", 404),
        ("/files/sub", 404),
        ("/files/sub/missing.txt", 404),
        ("/files/", 404),
    ],
)
def test_files_never_leave_the_corpus_root(jail, url, status):
    r = jail.get(url)
    assert r.status_code == status, (url, r.status_code, r.text)
    if status != 200:
        assert "SECRET" not in r.text and r.json()["detail"]
    else:
        assert r.text == "inside"


def test_raw_dot_dot_paths_never_escape(jail):
    """Clients that send `..` unnormalised (curl --path-as-is) still stay inside."""
    import anyio

    app = jail.app

    async def raw(path: str) -> tuple[int, bytes]:
        sent: list[dict] = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 1), "server": ("localhost", 80),
        }
        await app(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    for path in ("/files/../secret.txt", "/files/sub/../../secret.txt", "/files/./../secret.txt"):
        status, body = anyio.run(raw, path)
        assert status in (400, 404) and b"SECRET" not in body, (path, status, body)


# --- the web page ---------------------------------------------------------------------------------------


def test_page_and_assets_are_served_by_the_app(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    html = r.text
    assert 'id="q"' in html and 'id="partners"' in html
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset
    assert client.get("/api").status_code == 200
    assert client.get("/favicon.ico").status_code == 200


def test_page_loads_nothing_from_elsewhere():
    """No CDN: every script, style, font and image comes from the app itself."""
    for path in STATIC.iterdir():
        text = path.read_text()
        resources = re.findall(r"""<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)=["']([^"']+)""", text)
        resources += re.findall(r"""url\(\s*["']?([^"')]+)""", text) + re.findall(r"""@import\s+["']([^"']+)""", text)
        resources += re.findall(r"""fetch\(\s*["'`]([^"'`]+)""", text)
        for url in resources:
            assert url.startswith("/") and not url.startswith("//"), (path.name, url)


def test_openapi_schema_documents_models_and_examples(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/search", "/partners", "/documents/{doc_id}", "/documents/{doc_id}/similar", "/stats", "/health",
                 "/files/{file_path}", "/admin/ingest", "/admin/reload"):
        assert path in paths, path
    schemas = spec["components"]["schemas"]
    for name in ("SearchResponse", "HitModel", "PartnersRequest", "PartnersResponse", "PartnerModel",
                 "DocumentResponse", "StatsResponse", "HealthResponse", "ErrorResponse"):
        assert name in schemas, name
    for name in ("HitModel", "PartnersRequest", "PartnerModel", "ErrorResponse"):
        assert schemas[name].get("examples"), name
    search_params = {p["name"]: p for p in paths["/search"]["get"]["parameters"]}
    assert {"q", "k", "mode", "year_from", "year_to", "type", "group"} <= set(search_params)
    assert search_params["q"].get("examples") or search_params["q"]["schema"].get("examples")
    assert "422" in paths["/search"]["get"]["responses"]
    assert client.get("/docs").status_code == 404  # Swagger UI would need a CDN; /api renders the schema


def test_unknown_endpoint_is_a_json_404(client):
    assert_error(client.get("/nope"), 404, "no endpoint")


# --- token-protected endpoints ---------------------------------------------------------------------------


def test_admin_is_off_without_a_configured_token(client):
    assert_error(client.post("/admin/reload"), 404, "disabled")
    assert_error(client.post("/admin/ingest", json={}), 404, "disabled")
    assert_error(client.post("/admin/reload", headers={"Authorization": "Bearer anything"}), 404, "disabled")


@pytest.fixture(scope="module")
def admin_client(sample_index, embedder):
    engine = make_engine(sample_index, embedder, api_token="s3cret-token")
    return TestClient(create_app(engine, warm_up=False), base_url=LOCAL)


def test_admin_needs_the_token(admin_client):
    r = admin_client.post("/admin/reload")
    assert_error(r, 401, "token")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert_error(admin_client.post("/admin/reload", headers={"Authorization": "Bearer wrong"}), 403, "not valid")
    assert_error(admin_client.post("/admin/reload", headers={"Authorization": "Basic czNjcmV0"}), 401)
    assert_error(admin_client.post("/admin/ingest", json={}, headers={"Authorization": "Bearer s3cret"}), 403)
    r = admin_client.post("/admin/reload", headers={"Authorization": "Bearer s3cret-token"})
    assert r.status_code == 200 and r.json()["index_version"].startswith("v-")


def test_admin_ingest_refuses_paths_outside_the_corpus_root(admin_client):
    auth = {"Authorization": "Bearer s3cret-token"}
    assert_error(admin_client.post("/admin/ingest", json={"paths": ["../"]}, headers=auth), 400, "..")
    assert_error(admin_client.post("/admin/ingest", json={"paths": ["/etc"]}, headers=auth), 400, "absolute")
    assert_error(admin_client.post("/admin/ingest", json={"paths": ["no-such-folder"]}, headers=auth), 404)
    assert_error(admin_client.post("/admin/ingest", json={"paths": ["x"], "force": True}, headers=auth), 422, "force")


def test_admin_ingest_while_another_writer_holds_the_index_answers_409(admin_client):
    engine = admin_client.app.state.engine
    with engine.store.writing():  # what a running `gfmd-search ingest` holds
        r = admin_client.post("/admin/ingest", json={"paths": ["meetings"]}, headers={"Authorization": "Bearer s3cret-token"})
    assert_error(r, 409, "being written")


def test_read_only_endpoints_need_no_token(admin_client):
    assert admin_client.get("/search", params={"q": "remittances"}).status_code == 200
    assert admin_client.get("/health").status_code == 200

"""The API against a hostile client (issue 14): a foreign Host header (DNS rebinding), JSON
the parser gives up on, and an ingest that fails on the server's side."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from conftest import make_engine
from gfmd_search_api.main import create_app


@pytest.fixture(scope="module")
def app(sample_engine):
    return create_app(sample_engine, warm_up=False)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
def test_local_host_names_are_answered(app, host: str):
    assert TestClient(app).get("/health", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8000", "testserver", "127.0.0.1.nip.io"])
def test_a_foreign_host_is_refused_so_dns_rebinding_cannot_read_the_corpus(app, host: str):
    r = TestClient(app).get("/files/seeds/gfmd-overview.txt", headers={"Host": host})
    assert r.status_code == 400 and "GFMD" not in r.text


def test_the_serve_host_and_the_allowed_hosts_setting_are_answered(sample_index, embedder):
    engine = make_engine(sample_index, embedder, allowed_hosts=("search.example.org", "*.lan"))
    client = TestClient(create_app(engine, host="10.0.0.5", warm_up=False))
    for host in ("10.0.0.5:8000", "search.example.org", "box.lan"):
        assert client.get("/health", headers={"Host": host}).status_code == 200, host
    assert client.get("/health", headers={"Host": "attacker.example"}).status_code == 400


@pytest.mark.parametrize(
    "body, words",
    [
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b'{"text": "remittances", "k": ' + b"1" * 5000 + b"}", "more than 4,300 digits"),
        (b'{"text": "migraci\xf3n"}', "UTF-8"),
    ],
)
def test_json_the_parser_gives_up_on_gets_a_message_saying_what_is_wrong(app, body: bytes, words: str):
    r = TestClient(app, base_url="http://localhost").post(
        "/partners", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and words in r.json()["detail"], r.text


def test_an_ingest_failing_on_the_server_is_neither_a_500_nor_blamed_on_the_client(tmp_path, embedder, monkeypatch):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("Text about labour migration.\n")
    engine = make_engine(tmp_path / "index", embedder, corpus_root=tmp_path / "corpus", api_token="t0ken")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine, "ingest", disk_full)
    client = TestClient(create_app(engine, warm_up=False), base_url="http://localhost")
    r = client.post("/admin/ingest", json={}, headers={"Authorization": "Bearer t0ken"})
    assert r.status_code == 503, r.text
    assert "No space left on device" in r.json()["detail"] and "previous index" in r.json()["detail"]

from __future__ import annotations

from clinic.entrypoints.web.app import create_app
from tests.integration.conftest import make_container, make_settings


def test_healthz_says_the_process_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok",
                                   "checks": {"configuration": "ok", "database": "ok"}}


def test_readyz_reports_an_unreachable_redis_without_failing_itself(sqlite_url, tmp_path):
    container = make_container(make_settings(sqlite_url, tmp_path,
                                             redis_url="redis://127.0.0.1:1/0"))
    response = create_app(container.settings(), container).test_client().get("/readyz")
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"].startswith("unavail")
    container.engine().dispose()


def test_readyz_reports_an_unreachable_database(tmp_path):
    container = make_container(make_settings(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path))
    response = create_app(container.settings(), container).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("unavailable")

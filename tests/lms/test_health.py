from lms import health


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "ok"


def test_healthz_reports_a_failing_dependency(client, db, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "broker", lambda: "error: ConnectionRefusedError")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")

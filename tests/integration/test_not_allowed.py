"""A use case's refusal (`NotAllowed`, application/authorization.py) is a 403 at both doors,
answered in one place (web/errors.py): the page for people, a problem document for the API."""

from __future__ import annotations

from clinic.domain.team import NotAllowed


def _refuse() -> None:
    raise NotAllowed()


def test_a_refusal_is_a_403_page_and_a_403_problem(app):
    app.add_url_rule("/refused-here", "refused_page", _refuse)
    app.add_url_rule("/api/v1/refused-here", "refused_api", _refuse)
    client = app.test_client()

    page = client.get("/refused-here", headers={"Accept-Language": "en"})
    assert page.status_code == 403
    assert "This page is not available to you" in page.get_data(as_text=True)

    answer = client.get("/api/v1/refused-here")
    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["detail"] == "Your role does not allow this."

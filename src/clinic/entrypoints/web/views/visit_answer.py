"""The page a reminder's link opens, without signing in: the visit, and "I will come",
"Another time", "Cancel". The signed link names one visit at one start; the page shows that
visit only, and the same answer for a wrong link as for a visit that does not exist."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from clinic.application.messaging.answer import CLOSED, MOVED, OPEN, UNKNOWN
from clinic.domain.patient_messages import Reply
from clinic.entrypoints.http.container import container

bp = Blueprint("visit_answer", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    """The address is the key to the visit: no cache keeps the page, no other site is told."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response

_STATUS = {OPEN: 200, MOVED: 410, CLOSED: 410, UNKNOWN: 404}


@bp.route("/v/<token>", methods=["GET", "POST"])
def page(token: str) -> Any:
    answered = None
    if request.method == "POST":
        try:
            reply = Reply(request.form.get("reply", ""))
        except ValueError:
            reply = None
        if reply is Reply.CANCEL and request.form.get("sure") != "1":
            return _render(token, asking_to_cancel=True)
        if reply is not None:
            outcome = container().answer_visit()(token, reply)
            if outcome == OPEN:
                return redirect(url_for("visit_answer.page", token=token, done=reply.value),
                                code=303)
            answered = outcome
    done = request.args.get("done")
    return _render(token, done=done if done in {r.value for r in Reply} else None,
                   refused=answered)


def _render(token: str, asking_to_cancel: bool = False, done: str | None = None,
            refused: str | None = None) -> Any:
    visit = container().answer_visit().show(token)
    if visit is None:
        return render_template("visit_answer/page.html", visit=None, state=UNKNOWN), 404
    state = refused or visit.state
    response = render_template("visit_answer/page.html", visit=visit, state=state,
                               token=token, asking_to_cancel=asking_to_cancel, done=done)
    return response, 200 if done else _STATUS.get(state, 200)

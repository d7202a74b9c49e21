"""Schemathesis fuzzes the whole API from its own OpenAPI document with every one of its checks
(what `schemathesis run --checks all` runs), in all its phases (examples, coverage, fuzzing,
stateful) and with positive and negative data, against the app served on loopback as two
clinics, on SQLite and PostgreSQL: no 5xx, no undocumented status or content type, every answer
as its schema promises, bad data refused, good data taken, one clinic never reading another's.

From the command line, against a served app and two clinics' tokens in a WFC file
(https://github.com/WebFuzzing/Commons: {"auth": [{"name": "anna", "fixedHeaders": [...]}]}):

    schemathesis run http://127.0.0.1:5000/api/v1/openapi.json --checks all \\
        --auth-wfc auth.json --auth-wfc-user anna

reports only what this module configures away, each for the reason given below: valid data
refused by a rule JSON Schema cannot state (positive_data_acceptance, 422) and an archived
record still readable after DELETE (use_after_free).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.engine import events, from_schema
from werkzeug.serving import make_server

from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.patients.save import PatientFields
from clinic.entrypoints.web.app import create_app
from tests.acting import owner_of

MAX_EXAMPLES = 50  # per operation and phase: about 40 s a database on this machine

# Checks left out, each inapplicable by design.
EXCLUDED = {
    # DELETE archives a room, doctor or procedure (README: "DELETE archives"): the record stays
    # readable with `archived: true` and `PATCH {"archived": false}` restores it, so a 200 after
    # the DELETE is the contract, not a use after free.
    "use_after_free",
}

# Valid data is refused with 422 where the rule is one JSON Schema cannot say: an id in the
# body must be a record of this clinic in use, a phone must be a real number, a room name must
# be free, a start must fall on the 5-minute grid in a sane year, `to` must follow `from`, a
# period is at most three years. Everything syntactic (lengths, patterns, ranges, enums, the
# text rule, "at least one change") is in the document and is held to it: 422 for positive
# data fails every other operation.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
SEMANTIC_REFUSALS = [
    # a room beyond the chairs paid for is 402 …/chair-limit, adding one or restoring one
    {"include-path-regex": "^/api/v1/rooms", "include-method": ["POST", "PATCH"],
     "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "402", "422"]}}},
    {"exclude-path-regex": "^/api/v1/rooms", "include-method": ["POST", "PATCH"],
     "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}}},
    {"include-path": ["/api/v1/appointments", "/api/v1/reports/summary"],
     "include-method": "GET",
     "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}}},
    # A new doctor has no photo (`photo_url: null`): the photo is 404 until one is uploaded.
    {"include-path": "/api/v1/doctors/{doctor_id}/photo",
     "checks": {"ensure_resource_availability": {"enabled": False}}},
]


@pytest.fixture
def served(container) -> Iterator[str]:
    """The app on a loopback port, in threads, as `clinic serve` would answer."""
    app = create_app(container.settings(), container)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def wfc_auth(container, tmp_path) -> str:
    """Two clinics, each with a patient and an API token, as a WFC authentication file."""
    entries = []
    for name, email in (("anna", "anna@example.com"), ("olga", "olga@example.com")):
        signed_in = container.sign_up()(SignUpCommand(
            "Smile", name.title(), email, "correct horse", "ru", "Europe/Moscow"))
        container.save_patient()(signed_in.clinic_id, owner_of(container, signed_in.clinic_id),
            PatientFields("Ivan", "+79161234567"))
        secret = container.create_operator_token()(signed_in.clinic_id, "fuzz").secret
        entries.append({"name": name, "fixedHeaders": [
            {"name": "Authorization", "value": f"Bearer {secret}"}]})
    path = tmp_path / "auth.json"
    path.write_text(json.dumps({"auth": entries}))
    return str(path)


def _describe(recorder, case_id: str, check) -> str:
    case = recorder.cases[case_id].value
    response = recorder.find_response(case_id=case_id)
    answer = f"{response.status_code} {response.text[:300]}" if response else "no answer"
    return (f"{recorder.label}: {check.name} ({check.failure_info.failure.title})\n"
            f"  {case.method} {case.formatted_path} query={case.query} body={case.body!r:.300}\n"
            f"  -> {answer}")


def test_every_schemathesis_check_holds_over_the_whole_api(served, wfc_auth):
    load_all_checks()
    every_check = set(CHECKS.get_all_names())
    assert every_check >= EXCLUDED  # a renamed check must not slip out of the run unnoticed
    config = schemathesis.Config.from_dict({
        "headers": {"Accept-Encoding": "identity"},
        "cache": {"enabled": False},  # each run from scratch, and nothing left in the tree
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        "checks": {name: {"enabled": name not in EXCLUDED} for name in sorted(every_check)},
        # object_level_authorization replays each clinic's reads as the other
        "auth": {"wfc": {"path": wfc_auth, "user": "anna", "peers": ["anna", "olga"]}},
        "operations": SEMANTIC_REFUSALS,
    })
    schema = schemathesis.openapi.from_url(f"{served}/api/v1/openapi.json", config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 30

    started = time.monotonic()
    failures: list[str] = []
    ran: set[str] = set()
    tested: set[str] = set()
    cases = 0
    phases: dict[str, str] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            tested.add(recorder.label)
            cases += len(recorder.cases)
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    ran.add(check.name)
                    if check.status.value != "success":
                        failures.append(_describe(recorder, case_id, check))
        elif isinstance(event, events.PhaseFinished):
            phases[event.phase.name.value] = event.status.value
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"schemathesis could not run: {event!r:.500}")
    print(f"\n{len(tested - {'Stateful tests'})} operations, {cases} cases, "
          f"{time.monotonic() - started:.0f} s; checks run: {sorted(ran)}; phases: {phases}")

    assert failures == [], f"{len(failures)} failures, the first 20:\n" + "\n".join(failures[:20])
    assert {phases.get(name) for name in ("examples", "coverage", "fuzzing", "stateful")} == {
        "success"}, phases
    assert len(tested - {"Stateful tests"}) == len(operations)
    assert {"not_a_server_error", "status_code_conformance", "content_type_conformance",
            "response_schema_conformance", "negative_data_rejection",
            "positive_data_acceptance", "unsupported_method"} <= ran

"""The booking dialog's procedures: the most booked first, searchable past eight, no inner
scroll box (CSS), on both databases."""

from __future__ import annotations

from datetime import timedelta

from clinic.application.catalog.procedures import ProcedureFields
from clinic.domain.scheduling import AppointmentStatus
from tests.acting import owner_of
from tests.integration.test_booking import START, _clinic, request


def test_the_procedures_most_booked_lately_come_first(container):
    clinic = _clinic(container)
    book = container.book_appointment()
    book(clinic["id"], request(clinic, procedures=("xray",)))
    book(clinic["id"], request(clinic, START + timedelta(hours=1), procedures=("xray",)))
    cancelled = book(clinic["id"], request(clinic, START + timedelta(hours=2),
                                           procedures=("consultation", "xray")))
    container.change_appointment_status()(clinic["id"], owner_of(container, clinic["id"]),
        cancelled.id,
                                          AppointmentStatus.CANCELLED)
    old = book(clinic["id"], request(clinic, START - timedelta(days=300),
                                     procedures=("consultation",)))
    assert old is not None
    queries = container.catalog_queries()
    names = [p.name for p in queries.procedures_by_use(clinic["id"], START - timedelta(days=30))]
    assert names[:2] == ["Xray", "Consultation"]  # 3 lines, then 1 (a visit long ago: not)
    assert sorted(names[2:]) == names[2:]  # the rest by name
    with container.uow(clinic["id"]) as uow:
        others = sorted(p.name for p in uow.procedures.list())
    assert sorted(names) == others  # every procedure in use, once


def test_past_eight_procedures_the_dialog_offers_a_search_and_all(app, web_container):
    from tests.integration.conftest import Browser

    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    dialog = owner.client.get("/calendar/book?start=2026-12-08T10:00").get_data(as_text=True)
    assert "data-procedure-search" not in dialog  # the starter eight need no search
    web_container.save_procedure()(clinic_id, owner_of(web_container, clinic_id),
        ProcedureFields("Sealant", "10", "15"))
    dialog = owner.client.get("/calendar/book?start=2026-12-08T10:00").get_data(as_text=True)
    assert "data-procedure-search" in dialog and "All procedures (9)" in dialog
    assert dialog.count("data-more") == 1

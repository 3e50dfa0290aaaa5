import pytest

from storage.database import transaction
from storage.outbox import (
    AlertDraft,
    acknowledge,
    add_alert,
    alerts,
    mark_delivered,
    mark_failed,
    pending_alerts,
)


def test_alert_lifecycle(db):
    first = add_alert(db, AlertDraft("dlt", "investigator", {"number": "P-01"}))
    second = add_alert(db, AlertDraft("info", "all"))

    mark_failed(db, first["id"], "Forbidden: bot was blocked")
    assert [a["id"] for a in pending_alerts(db)] == [first["id"], second["id"]]
    mark_delivered(db, first["id"])

    assert [a["id"] for a in pending_alerts(db)] == [second["id"]]
    delivered = alerts(db)[0]
    assert delivered["attempts"] == 2 and delivered["delivered_at"] is not None
    assert acknowledge(db, first["id"], by=42) is True
    assert acknowledge(db, first["id"], by=43) is False
    assert alerts(db)[0]["acknowledged_by"] == "42"


def test_an_alert_is_stored_as_its_kind_and_parameters_not_words(db):
    params = {"number": "P-01", "level": 2, "onset": "2026-03-10", "who": "Dr Mei", "to": False}
    stored = add_alert(db, AlertDraft("dlt", "investigator", params))

    assert (stored["kind"], stored["recipients"], stored["params"]) == ("dlt", "investigator",
                                                                       params)
    assert alerts(db)[0]["params"] == params and pending_alerts(db)[0]["params"] == params
    raw_params, text = db.execute("SELECT params, text FROM alerts").fetchone()
    assert text is None
    assert raw_params.startswith("{") and '"number": "P-01"' in raw_params
    assert add_alert(db, AlertDraft("info", "all"))["params"] == {}


def test_add_alert_joins_an_open_transaction(db):
    with pytest.raises(RuntimeError):
        with transaction(db):
            add_alert(db, AlertDraft("k", "all", {"n": 1}))
            raise RuntimeError("rolled back")

    assert alerts(db) == []

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
    first = add_alert(db, AlertDraft("dlt", "DLT in P-01", "investigator"))
    second = add_alert(db, kind="info", text="hello", recipients="all")

    mark_failed(db, first["id"], "Forbidden: bot was blocked")
    assert [a["id"] for a in pending_alerts(db)] == [first["id"], second["id"]]
    mark_delivered(db, first["id"])

    assert [a["id"] for a in pending_alerts(db)] == [second["id"]]
    delivered = alerts(db)[0]
    assert delivered["attempts"] == 2 and delivered["delivered_at"] is not None
    assert acknowledge(db, first["id"], by=42) is True
    assert acknowledge(db, first["id"], by=43) is False
    assert alerts(db)[0]["acknowledged_by"] == "42"


def test_add_alert_joins_an_open_transaction(db):
    with pytest.raises(RuntimeError):
        with transaction(db):
            add_alert(db, {"kind": "k", "text": "t", "recipients": "all"})
            raise RuntimeError("rolled back")

    assert alerts(db) == []

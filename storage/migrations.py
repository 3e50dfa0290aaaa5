"""Schema migrations: MIGRATIONS[n - 1] brings a database from version n - 1 to n.

Append new migrations at the end; never edit one that has shipped.
"""

import json
from datetime import UTC, datetime

from sqlite_utils import Database

from storage.verdicts import compact_verdict, verdict_json

CLINICAL_TABLES = (
    "staff",
    "screenings",
    "answers",
    "participants",
    "dlt_reports",
    "escalation_decisions",
)

V1_TABLES = """
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    table_name TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    reason TEXT
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

CREATE TABLE staff (
    user_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'investigator', 'admin')),
    active INTEGER NOT NULL DEFAULT 1,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
);

CREATE TABLE screenings (
    number TEXT PRIMARY KEY,
    screened_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'in_progress'
        CHECK (status IN ('in_progress', 'eligible', 'screen_failure', 'withdrawn')),
    verdict TEXT,
    finished_at TEXT
);

CREATE TABLE answers (
    screening TEXT NOT NULL REFERENCES screenings(number),
    question_id TEXT NOT NULL,
    value TEXT,
    entered TEXT NOT NULL,
    unit TEXT,
    answered_by TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (screening, question_id)
);

CREATE TABLE participants (
    number TEXT PRIMARY KEY,
    screening TEXT NOT NULL UNIQUE REFERENCES screenings(number),
    dose_level INTEGER NOT NULL,
    cohort INTEGER NOT NULL,
    expansion INTEGER NOT NULL DEFAULT 0,
    weight_kg REAL NOT NULL,
    cells_per_kg REAL NOT NULL,
    total_cells REAL NOT NULL,
    infusion_date TEXT NOT NULL,
    dlt_window_end TEXT NOT NULL,
    withdrawn_on TEXT,
    withdrawal_reason TEXT,
    enrolled_by TEXT NOT NULL,
    enrolled_at TEXT NOT NULL
);

CREATE TABLE dlt_reports (
    id INTEGER PRIMARY KEY,
    participant TEXT NOT NULL REFERENCES participants(number),
    event TEXT NOT NULL,
    grading TEXT NOT NULL,
    grade INTEGER NOT NULL,
    onset_date TEXT NOT NULL,
    attribution TEXT NOT NULL,
    is_dlt INTEGER NOT NULL,
    suggested_dlt INTEGER NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);

CREATE TABLE escalation_decisions (
    id INTEGER PRIMARY KEY,
    history TEXT NOT NULL,
    recommendation TEXT NOT NULL,
    action TEXT NOT NULL,
    dose_level INTEGER,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    recipients TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at TEXT,
    acknowledged_at TEXT,
    acknowledged_by TEXT
);

CREATE TABLE bot_conversations (
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
);
CREATE TABLE bot_user_data (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE bot_chat_data (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE bot_data (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
"""


def create_tables(db: Database) -> None:
    """v1: every table, and the append-only audit trail."""
    db.executescript(V1_TABLES)


def add_age_sex_indexes_and_no_delete(db: Database) -> None:
    """v2: age/sex on screenings (filled from answers), indexes, no deleting clinical rows."""
    db["screenings"].add_column("age", int)
    db["screenings"].add_column("sex", str)
    for column in ("age", "sex"):
        db.execute(
            f"UPDATE screenings SET {column} = ("
            " SELECT json_extract(value, '$') FROM answers"
            f" WHERE answers.screening = screenings.number AND question_id = '{column}')"
            " WHERE status != 'in_progress'"
        )
    db["audit"].create_index(["table_name", "record_id"])
    db["dlt_reports"].create_index(["participant"])
    db["alerts"].create_index(["delivered_at"])
    for table in CLINICAL_TABLES:
        db.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} records are never deleted'); END"
        )


ALERTS_V3 = """
CREATE TABLE alerts_v3 (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    text TEXT,
    recipients TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at TEXT,
    acknowledged_at TEXT,
    acknowledged_by TEXT
);
INSERT INTO alerts_v3 (id, kind, text, recipients, created_at, attempts, last_error,
                       delivered_at, acknowledged_at, acknowledged_by)
    SELECT id, kind, text, recipients, created_at, attempts, last_error, delivered_at,
           acknowledged_at, acknowledged_by FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_v3 RENAME TO alerts;
CREATE INDEX idx_alerts_delivered_at ON alerts (delivered_at);
"""


def alerts_as_kind_and_params(db: Database) -> None:
    """v3: an alert is stored as its kind and parameters and worded when it is sent, so each
    recipient can read it in their language; `text` stays only for alerts stored before."""
    for statement in ALERTS_V3.split(";"):
        if statement.strip():
            db.execute(statement)


INFUSIONS_AND_EVALUATIONS = (
    """CREATE TABLE infusions (
        participant TEXT PRIMARY KEY REFERENCES participants(number),
        infused_at TEXT NOT NULL,
        infused_cells REAL NOT NULL,
        fludarabine_start TEXT,
        fludarabine_end TEXT,
        cyclophosphamide_start TEXT,
        cyclophosphamide_end TEXT,
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )""",
    """CREATE TABLE dlt_evaluations (
        participant TEXT PRIMARY KEY REFERENCES participants(number),
        confirmed_by TEXT NOT NULL,
        confirmed_at TEXT NOT NULL
    )""",
    *(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
      f"BEGIN SELECT RAISE(ABORT, '{table} records are never deleted'); END"
      for table in ("infusions", "dlt_evaluations")),
)


def infusions_and_evaluations(db: Database) -> None:
    """v4: the infusion as given (date and time with the site's UTC offset, the cells infused,
    the lymphodepletion days) and the investigator's confirmation that a DLT window completed
    without a DLT, each a record of its own and never deleted. Statement by statement, inside
    migrate()'s transaction (executescript would commit it)."""
    for statement in INFUSIONS_AND_EVALUATIONS:
        db.execute(statement)


def typed_values_in_audit(db: Database) -> None:
    """v5: an audit row keeps the value as typed ("1.2 mg/dL") beside the normalised old and
    new values, so a correction shows what was entered, not only what it was converted to.
    Rows written before have NULL there (their typed text stands in the answers table)."""
    db.execute("ALTER TABLE audit ADD COLUMN old_typed TEXT")
    db.execute("ALTER TABLE audit ADD COLUMN new_typed TEXT")


DELIVERIES_V6 = """
CREATE TABLE alert_deliveries (
    id INTEGER PRIMARY KEY,
    alert INTEGER NOT NULL REFERENCES alerts(id),
    chat_id INTEGER NOT NULL,
    audience TEXT NOT NULL CHECK (audience IN ('full', 'step', 'group')),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'undeliverable')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by TEXT,
    claimed_at TEXT,
    message_id INTEGER,
    sent_text TEXT,
    sent_at TEXT,
    last_error TEXT,
    UNIQUE (alert, chat_id)
);
CREATE INDEX idx_alert_deliveries_due ON alert_deliveries (status, next_attempt_at);
CREATE INDEX idx_alert_deliveries_chat ON alert_deliveries (chat_id, id);
CREATE INDEX idx_alerts_acknowledged_at ON alerts (acknowledged_at);
CREATE TRIGGER alert_deliveries_no_delete BEFORE DELETE ON alert_deliveries
BEGIN SELECT RAISE(ABORT, 'alert_deliveries records are never deleted'); END;
ALTER TABLE bot_conversations ADD COLUMN opened_at TEXT;
ALTER TABLE bot_conversations ADD COLUMN reminded_at TEXT
"""


def alert_deliveries_and_form_times(db: Database) -> None:
    """v6: one delivery row per alert and recipient (status, attempts, lease, Telegram message
    id), and when each open form was opened and reminded about. Alerts stored before get no
    deliveries (they were never sent: /alerts lists them); forms open now count from now."""
    for statement in DELIVERIES_V6.split(";\n"):
        if statement.strip():
            db.execute(statement)
    db.execute("UPDATE bot_conversations SET opened_at = ?",
               [datetime.now(UTC).isoformat(timespec="seconds")])


def screening_indexes(db: Database) -> None:
    """v7: the open screenings and the screening log's counts come from indexes, not from
    reading every screening (the bench measured /screen and /screenlog growing with the log)."""
    db.execute("CREATE INDEX idx_screenings_status ON screenings (status, started_at)")
    db.execute("CREATE INDEX idx_screenings_started_at ON screenings (started_at)")


def staff_language(db: Database) -> None:
    """v8: the language each staff member reads the bot in (en, zh_Hans); empty until chosen
    (from Telegram's language_code at the first contact, or /language)."""
    db.execute("ALTER TABLE staff ADD COLUMN language TEXT")


# Tallies of the screening log, kept by triggers in the transaction of every change, so the
# log's totals read a handful of rows however many screenings there are. A screen failure's
# criteria not met are those of its stored verdict.
FAILED_CRITERIA = """
    SELECT json_extract(c.value, '$.number') AS number, json_extract(c.value, '$.id') AS id
    FROM json_each({row}.verdict, '$.criteria') c
    WHERE {row}.status = 'screen_failure' AND json_extract(c.value, '$.status') = 'not_met'
"""
TALLIES_SQL = [
    "CREATE TABLE screening_tallies ("
    " status TEXT PRIMARY KEY, screenings INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE failure_tallies ("
    " number INTEGER NOT NULL, id TEXT NOT NULL, screenings INTEGER NOT NULL,"
    " PRIMARY KEY (number, id)) WITHOUT ROWID",
    f"""
CREATE TRIGGER screening_tallied AFTER INSERT ON screenings BEGIN
    INSERT INTO screening_tallies VALUES (NEW.status, 1)
        ON CONFLICT (status) DO UPDATE SET screenings = screenings + 1;
    INSERT INTO failure_tallies
        SELECT number, id, 1 FROM ({FAILED_CRITERIA.format(row="NEW")}) WHERE true
        ON CONFLICT (number, id) DO UPDATE SET screenings = screenings + 1;
END""",
    f"""
CREATE TRIGGER screening_retallied AFTER UPDATE OF status, verdict ON screenings BEGIN
    UPDATE screening_tallies SET screenings = screenings - 1 WHERE status = OLD.status;
    INSERT INTO screening_tallies VALUES (NEW.status, 1)
        ON CONFLICT (status) DO UPDATE SET screenings = screenings + 1;
    UPDATE failure_tallies SET screenings = screenings - 1
        WHERE (number, id) IN ({FAILED_CRITERIA.format(row="OLD")});
    INSERT INTO failure_tallies
        SELECT number, id, 1 FROM ({FAILED_CRITERIA.format(row="NEW")}) WHERE true
        ON CONFLICT (number, id) DO UPDATE SET screenings = screenings + 1;
END"""]


def screening_tallies(db: Database) -> None:
    """The screening log's totals (screenings by status, screen failures by criterion not
    met) kept in two small tables by triggers, counted once from the screenings there are.
    Screenings are never deleted (v2), so no trigger is needed for that."""
    for statement in TALLIES_SQL:
        db.execute(statement)
    db.execute("INSERT INTO screening_tallies SELECT status, count(*) FROM screenings"
               " GROUP BY status")
    db.execute("INSERT INTO failure_tallies SELECT json_extract(c.value, '$.number'),"
               " json_extract(c.value, '$.id'), count(*)"
               " FROM screenings s, json_each(s.verdict, '$.criteria') c"
               " WHERE s.status = 'screen_failure' AND json_extract(c.value, '$.status') ="
               " 'not_met' GROUP BY 1, 2")


AT_AS_SECONDS = ("CASE WHEN strftime('%Y-%m-%dT%H:%M:%S+00:00', {at}) IS {at}"
                 " THEN CAST(strftime('%s', {at}) AS INTEGER) ELSE {at} END")
COMPACT_AUDIT_V10 = (
    "CREATE TABLE audit_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    # at: whole UTC seconds since 1970 as an integer, or the text as given if it is not a UTC
    # ISO second; actor, table_name, record, field: ids in audit_names.
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at NOT NULL,
        actor INTEGER NOT NULL REFERENCES audit_names(id),
        table_name INTEGER NOT NULL REFERENCES audit_names(id),
        record INTEGER NOT NULL REFERENCES audit_names(id),
        field INTEGER NOT NULL REFERENCES audit_names(id),
        old_value TEXT, new_value TEXT, reason TEXT, old_typed TEXT, new_typed TEXT
    )""",
    """INSERT INTO audit_names (name)
        SELECT actor FROM audit UNION SELECT table_name FROM audit
        UNION SELECT record_id FROM audit UNION SELECT field FROM audit""",
    """INSERT INTO audit_log (id, at, actor, table_name, record, field, old_value, new_value,
                              reason, old_typed, new_typed)
        SELECT id, {at}, (SELECT id FROM audit_names WHERE name = actor),
               (SELECT id FROM audit_names WHERE name = table_name),
               (SELECT id FROM audit_names WHERE name = record_id),
               (SELECT id FROM audit_names WHERE name = field),
               old_value, new_value, reason, old_typed, new_typed
        FROM audit ORDER BY id""".replace("{at}", AT_AS_SECONDS.format(at="at")),
    "DROP TABLE audit",
    "CREATE INDEX idx_audit_log_record ON audit_log (table_name, record)",
    # only SQLite's own functions: any SQLite tool reads the trail as it was
    """CREATE VIEW audit AS SELECT l.id AS id,
        CASE WHEN typeof(l.at) = 'integer'
             THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', l.at, 'unixepoch') ELSE l.at END AS at,
        a.name AS actor, t.name AS table_name, r.name AS record_id, f.name AS field,
        l.old_value AS old_value, l.new_value AS new_value,
        l.reason AS reason, l.old_typed AS old_typed, l.new_typed AS new_typed
        FROM audit_log l JOIN audit_names a ON a.id = l.actor
        JOIN audit_names t ON t.id = l.table_name JOIN audit_names r ON r.id = l.record
        JOIN audit_names f ON f.id = l.field""",
    """CREATE TRIGGER audit_insert INSTEAD OF INSERT ON audit
    BEGIN
        INSERT OR IGNORE INTO audit_names (name)
            VALUES (NEW.actor), (NEW.table_name), (NEW.record_id), (NEW.field);
        INSERT INTO audit_log (id, at, actor, table_name, record, field, old_value, new_value,
                               reason, old_typed, new_typed)
        VALUES (NEW.id, {at},
                (SELECT id FROM audit_names WHERE name = NEW.actor),
                (SELECT id FROM audit_names WHERE name = NEW.table_name),
                (SELECT id FROM audit_names WHERE name = NEW.record_id),
                (SELECT id FROM audit_names WHERE name = NEW.field),
                NEW.old_value, NEW.new_value, NEW.reason, NEW.old_typed, NEW.new_typed);
    END""".replace("{at}", AT_AS_SECONDS.format(at="NEW.at")),
)
APPEND_ONLY_V10 = tuple(
    f"CREATE TRIGGER {name} {when} ON {table} "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    for name, when, table in (
        ("audit_no_update", "INSTEAD OF UPDATE", "audit"),
        ("audit_no_delete", "INSTEAD OF DELETE", "audit"),
        ("audit_log_no_update", "BEFORE UPDATE", "audit_log"),
        ("audit_log_no_delete", "BEFORE DELETE", "audit_log"),
        ("audit_names_no_update", "BEFORE UPDATE", "audit_names"),
        ("audit_names_no_delete", "BEFORE DELETE", "audit_names")))


def compact_audit(db: Database) -> None:
    """v10: the audit trail and the stored verdicts compact (issue 16: 30 KB per completed
    screening, two thirds of it a verdict's 9.5 KB of JSON, stored in screenings.verdict and
    again in its audit row). Nothing the trail held is lost, and it stays plain SQLite that
    any SQLite tool reads (no function of ours needed):
    - actor, table, record and field are ids into audit_names, times integer seconds; the view
      `audit` shows every row as before (same columns, same text) and takes inserts, so every
      reader and writer of the trail is unchanged; audit_log and audit_names are append-only.
    - a verdict (screenings.verdict, and the old and new values of the trail's verdict rows)
      is stored as storage/verdicts.py's compact_verdict keeps it: status, summary, computed
      values, missing questions and the criteria not met or not judged in full, as before;
      the criteria met or not applicable by id. Dropped: those criteria's number, group,
      title, value and reason, and empty or null fields. They are derivable: the number, group
      and title are the protocol's for that id, and the value and reason are what
      domain.eligibility.assess says for the screening's answers, each of them kept with its
      old value, who and when in the trail."""
    for statement in COMPACT_AUDIT_V10:
        db.execute(statement)
    for row_id, old, new in db.execute(
            "SELECT id, old_value, new_value FROM audit_log WHERE field = (SELECT id FROM"
            " audit_names WHERE name = 'verdict') AND table_name = (SELECT id FROM audit_names"
            " WHERE name = 'screenings')").fetchall():
        db.execute("UPDATE audit_log SET old_value = ?, new_value = ? WHERE id = ?",
                   [_audited_verdict(old), _audited_verdict(new), row_id])
    for number, verdict in db.execute("SELECT number, verdict FROM screenings"
                                      " WHERE verdict IS NOT NULL").fetchall():
        db.execute("UPDATE screenings SET verdict = ? WHERE number = ?",
                   [verdict_json(json.loads(verdict)), number])
    for statement in APPEND_ONLY_V10:
        db.execute(statement)


def _audited_verdict(text: str | None) -> str | None:
    """An audited verdict's JSON text compact, written as audited values are (to_json)."""
    if text is None:
        return None
    return json.dumps(compact_verdict(json.loads(text)), ensure_ascii=False, sort_keys=True)


MIGRATIONS = [create_tables, add_age_sex_indexes_and_no_delete, alerts_as_kind_and_params,
              infusions_and_evaluations, typed_values_in_audit, alert_deliveries_and_form_times,
              screening_indexes, staff_language, screening_tallies, compact_audit]

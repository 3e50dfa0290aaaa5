"""/status, /participant, /screenlog, /whatif, /help and /staff in the chat."""

from __future__ import annotations

from handlers.texts import ACCESS
from handlers.texts import STATUS as T
from storage.screenings import finish_screening, start_screening
from storage.staff import active_staff
from tests.handlers.conftest import (
    ADMIN,
    COORDINATOR,
    GROUP,
    INVESTIGATOR,
    STRANGER,
    alert_texts,
)
from tests.handlers.helpers_enrollment import CLOSED, OPEN, dlt_directly, enrol_directly, trial_of


async def test_status_of_an_empty_trial(driver):
    [_chart, reply] = await driver.send(COORDINATOR, "/status")
    assert "RD06-04: 0 enrolled, 12 of 12 places left." in reply.text
    assert "Next participant: DL1, 3 place(s) open" in reply.text


async def test_status_counts_dlts_and_windows_and_offers_confirmation(app, driver):
    first = enrol_directly(app, days_ago=CLOSED)
    enrol_directly(app, days_ago=CLOSED)
    enrol_directly(app, days_ago=CLOSED)
    fourth = enrol_directly(app, days_ago=OPEN)
    dlt_directly(app, first["number"], first["infusion_date"])
    [_chart, reply] = await driver.send(INVESTIGATOR, "/status")
    assert "RD06-04: 4 enrolled, 8 of 12 places left." in reply.text
    assert ("DL1 (1×10^5/kg): 4 enrolled, 3 evaluable, 1 DLT, "
            "1 awaiting the end of their window") in reply.text
    assert f"{fourth['number']} (DL1) until {fourth['dlt_window_end']}" in reply.text
    assert "Next step: expand to 6." in reply.text
    assert "Not yet confirmed by an investigator." in reply.text
    assert reply.buttons, "an investigator can confirm the step from /status"


async def test_no_trial_data_in_a_group(app, driver):
    row = enrol_directly(app, days_ago=OPEN, weight=62)
    for command in ("/status", f"/participant {row['number']}", "/screenlog", "/whatif 1NNT",
                    "/help", "/screen", "/enroll S-001"):
        [reply] = await driver.send(COORDINATOR, command, chat_id=GROUP, chat_type="group")
        assert reply.text == ACCESS["private_only"], command
    assert await driver.send(COORDINATOR, "P-01 has a fever", chat_id=GROUP,
                             chat_type="group") == []  # group chatter is not answered
    group_texts = " ".join(driver.texts(GROUP))
    for secret in ("RD06-04", row["number"], row["screening"], "62", "DL1"):
        assert secret not in group_texts


async def test_participant_timeline(app, driver):
    row = enrol_directly(app, days_ago=OPEN, weight=62)
    dlt_directly(app, row["number"], trial_of(app).today())
    [reply] = await driver.send(COORDINATOR, f"/participant {row['number'].lower()}")
    assert f"{row['number']} (screening {row['screening']}) · DL1, cohort 1" in reply.text
    assert "Weight 62 kg · dose 6.2×10^6 CAR+ T cells (1×10^5/kg)" in reply.text
    assert "grade" in reply.text and ", DLT" in reply.text
    [reply] = await driver.send(COORDINATOR, "/participant P-99")
    assert "There is no participant P-99." in reply.text


async def test_screenlog_counts_failures_by_criterion(app, driver, db):
    failed = {"status": "not_eligible", "criteria": [
        {"number": 9, "id": "platelets", "title": "Platelets", "status": "not_met"},
        {"number": 2, "id": "age", "title": "Age", "status": "met"}]}
    for _ in range(2):
        finish_screening(db, start_screening(db, actor=COORDINATOR), status="screen_failure",
                         verdict=failed, actor=COORDINATOR)
    start_screening(db, actor=COORDINATOR)
    enrol_directly(app, days_ago=OPEN)
    [reply] = await driver.send(COORDINATOR, "/screenlog")
    assert ("4 screened, 1 in progress, 1 eligible, 2 screen failures, 0 withdrawn, "
            "1 enrolled") in reply.text
    assert "• 9. Platelets: 2" in reply.text and "Age" not in reply.text


async def test_whatif(driver):
    [_chart, reply] = await driver.send(COORDINATOR, "/whatif 1NNT 1NNN 2NTT")
    assert "action mtd" in reply.text and "MTD DL1" in reply.text
    [reply] = await driver.send(COORDINATOR, "/whatif 2NNN")
    assert "does not allow" in reply.text and "starts at DL1" in reply.text
    [reply] = await driver.send(COORDINATOR, "/whatif")
    assert "e.g. /whatif" in reply.text


async def test_help_lists_what_the_role_may_do(driver):
    [coordinator] = await driver.send(COORDINATOR, "/help")
    [admin] = await driver.send(ADMIN, "/help")
    assert "/screen" in coordinator.text and "/dlt" not in coordinator.text
    assert "/staff" not in coordinator.text
    assert "/dlt" in admin.text and "/staff" in admin.text


async def test_commands_are_registered_at_start(app):
    await app.post_init(app)
    # one menu per language (issue 14): the default one has no language_code
    [call] = [c for c in app.bot.request.calls_of("setMyCommands")
              if not c.params.get("language_code")]
    assert {c["command"] for c in call.params["commands"]} >= {"screen", "enroll", "dlt", "status"}


async def test_admin_manages_staff_from_the_chat(driver, db):
    [reply] = await driver.send(ADMIN, "/staff add 777 coordinator Nurse Wang")
    assert "Nurse Wang (777) is now an active coordinator." in reply.text
    assert active_staff(db, 777)["role"] == "coordinator"
    [_chart, reply] = await driver.send(777, "/status")
    assert "RD06-04" in reply.text
    [reply] = await driver.send(ADMIN, "/staff add 778 nurse Someone")
    assert "Unknown role nurse" in reply.text
    [reply] = await driver.send(ADMIN, "/staff deactivate 777")
    assert "777 can no longer use the bot." in reply.text
    [reply] = await driver.send(777, "/status")
    assert "registered trial staff only" in reply.text
    [reply] = await driver.send(ADMIN, f"/staff deactivate {ADMIN}")
    assert "cannot deactivate yourself" in reply.text


async def test_stranger_pressing_a_button_is_refused(app, driver):
    await driver.send(COORDINATOR, "/screen")
    assert await driver.press(STRANGER, "Yes", chat_id=COORDINATOR) == []
    calls = app.bot.request.calls_of("answerCallbackQuery")
    assert "registered trial staff only" in calls[-1].params["text"]


async def test_confirmed_step_names_the_investigator(app, driver):
    for _ in range(3):
        enrol_directly(app, days_ago=CLOSED)
    [_chart, reply] = await driver.send(INVESTIGATOR, "/status")
    assert "Next step: escalate." in reply.text and "Not yet confirmed" in reply.text
    await driver.press(INVESTIGATOR, reply.buttons[0][0][0])
    [_chart, reply] = await driver.send(COORDINATOR, "/status")
    assert "Confirmed by Dr Mei" in reply.text and "Not yet confirmed" not in reply.text


async def test_end_of_escalation_is_confirmed_by_an_investigator(app, driver, db):
    from storage.participants import escalation_decisions

    for level in (1, 1, 1, 2, 2, 2):
        enrol_directly(app, days_ago=CLOSED, level=level)
    [_chart, reply] = await driver.send(INVESTIGATOR, "/status")
    assert "Next step: top dose cleared." in reply.text and "Not yet confirmed" in reply.text
    [[(label, _)]] = reply.buttons
    assert "DL2, the top dose, is cleared" in label
    await driver.press(INVESTIGATOR, label)
    [row] = escalation_decisions(db)
    assert (row["action"], row["dose_level"]) == ("top-dose-cleared", 2)
    assert alert_texts(app)[-1] == "Dr Mei confirmed the 3+3 step: DL2, the top dose, is cleared."
    [_chart, reply] = await driver.send(COORDINATOR, "/status")
    assert "Confirmed by Dr Mei" in reply.text and not reply.buttons


async def test_every_command_reads_participant_numbers_alike(app, driver):
    row = enrol_directly(app, days_ago=OPEN, weight=62)
    for typed in ("p1", "P1", "P-01", "1", " p-001 "):
        [reply] = await driver.send(COORDINATOR, f"/participant {typed}")
        assert reply.text.startswith(f"{row['number']} (screening {row['screening']})"), typed
    [reply] = await driver.send(COORDINATOR, "/participant P-1000")
    assert reply.text == T["participant_usage"]

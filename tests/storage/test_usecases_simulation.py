"""Operating characteristics from the trial as recorded (storage.usecases.simulation), over a
real SQLite file, on the days the Trial's clock says."""

from datetime import timedelta

from domain.simulation import Scenario
from storage.usecases.events import report_dlt
from storage.usecases.simulation import from_current, operating_characteristics
from tests.storage.conftest import INVESTIGATOR, enrol, everything, place_directly, refusal


def one_dlt_from_stopping(trial, clock) -> None:
    """1NTP: P-01 and P-02 at DL1 past their DLT windows, P-02 with a DLT, P-03 still in the
    window. One more DLT at DL1 and no dose is tolerated."""
    infused = trial.today()
    enrol(trial)
    enrol(trial)
    clock.advance(29)
    report_dlt(trial, number="P-02", event="crs", grade=4, onset=infused + timedelta(days=10),
               attribution="probable", is_dlt=True, actor=INVESTIGATOR)
    enrol(trial)


def test_from_a_trial_one_dlt_from_stopping(trial, clock):
    one_dlt_from_stopping(trial, clock)
    assert trial.history_text() == "1NTP"
    stored = everything(trial.db)

    toxic = from_current(trial, Scenario(dlt_rates=(1, 0)), trials=200, seed=5)
    harmless = from_current(trial, Scenario(dlt_rates=(0, 0)), trials=200, seed=5)

    assert toxic.start == "1NTP" and toxic.exact is None and toxic.seed == 5
    assert toxic.simulated.recommended == {"1": 0, "2": 0, "none": 1}
    assert toxic.simulated.end_state["no-tolerated-dose"] == 1
    assert toxic.simulated.mean_participants == 3 and toxic.simulated.mean_dlts == 2
    # P-03 without a DLT: DL1 is expanded to 6, then DL2 is cleared
    assert harmless.simulated.recommended["2"] == 1
    assert harmless.simulated.mean_participants_by_level == {"1": 6, "2": 3}
    assert everything(trial.db) == stored  # it only reads


def test_the_same_seed_gives_the_same_answer_from_here(trial, clock):
    one_dlt_from_stopping(trial, clock)
    rates = Scenario(dlt_rates=(0.3, 0.3), dropout=0.1)
    first = from_current(trial, rates, trials=500, seed=11)
    assert from_current(trial, rates, trials=500, seed=11) == first
    assert 0 < first.simulated.recommended["none"] < 1


def test_an_empty_trial_from_here_is_a_new_trial_with_its_closed_form(trial):
    here = from_current(trial, Scenario(dlt_rates=(0.1, 0.4)), trials=100, seed=1)
    new = operating_characteristics(trial.protocol, Scenario(dlt_rates=(0.1, 0.4)), trials=100,
                                    seed=1)
    assert here == new and here.start == "" and here.exact is not None


def test_a_recorded_history_the_protocol_forbids_is_refused(trial):
    place_directly(trial.db, dose_level=2)  # stored without the engine: "2P" starts above DL1
    reason = refusal(from_current, trial, Scenario(dlt_rates=(0.1, 0.4)), trials=10)
    assert reason.code == "history_unreadable"
    assert reason.params["error"].code == "history.starts_at"

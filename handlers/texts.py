"""Every user-facing text of the chat, one dictionary per conversation.

English is the source language: each text's dict path ("SCREENING.started") is its gettext
message context, and a translation lives in a catalogue (handlers/locale/<language>/
LC_MESSAGES/trialbot.po, refreshed by `trialbot messages`). The last line of this module makes
every dict read in the reader's language (handlers/i18n.py); no other logic lives here.
Placeholders in braces are filled by the handlers and must stay as they are in a translation.
A dict of "zero" / "one" / "other" forms is a text with plural forms (handlers.wording.plural).
"""

from handlers.i18n import translated

ACCESS = {
    "stranger": "Sorry, this bot serves registered trial staff only.\n"
                "Your Telegram user id is {user_id}: an administrator can add you with\n"
                "trialbot staff add {user_id} --name NAME --role coordinator",
    "needs_role": "This needs the {role} role; your role is {have}.",
    "private_only": "Trial data stays in private chats: please write to me in a private chat, "
                    "not in a group.",
    "edits_not_read": "Edits are not read: please send the corrected value as a new message.",
}

COMMON = {
    "yes": "Yes",
    "no": "No",
    "confirm": "✅ Confirm",
    "cancel": "✖ Cancel",
    "stale_button": "That button is no longer current.",
    "no_form_open": "No form is open for that text. /help lists what I can do.",
    "unknown_command": "I don't know that command. /help lists what I can do.",
    "text_only": "I read typed text and button presses only. /help lists what I can do.",
    "chosen": "{prompt}\n→ {answer}",
    "error": "Sorry, something went wrong and nothing was saved from your last step. "
             "Please try again; if it happens again tell the administrator.",
}

# Screening: one prompt per question id of domain/questions.py (an exclusion criterion of the
# protocol file is asked in the file's own words). A prompt's {fields} are filled from the
# protocol by handlers/screening.py.
QUESTION_PROMPTS = {
    "consent": "Has the candidate voluntarily signed the informed consent?",
    "age": "Age in years?",
    "sex": "Sex?",
    "sle_criteria": "SLE classification: which criteria does the candidate meet?",
    "ana_entry": "2019 EULAR/ACR entry criterion: ANA ≥1:80 on HEp-2 cells, ever?",
    "eular_items": "2019 EULAR/ACR: tick every criterion the candidate has ever met, then Done.",
    "glucocorticoid": "Prior treatment: on a glucocorticoid?",
    "glucocorticoid_drug": "Which glucocorticoid?",
    "glucocorticoid_dose": "Its daily dose in mg? (10, 10 mg qd or 5 mg bid)",
    "immunosuppressant": "On an immunosuppressant?",
    "biologic": "On a biologic?",
    "treatment_months": "For how many months has this treatment (the drugs above, together) "
                        "been given before screening? Weeks or days are fine too.",
    "stable_weeks": "For how many weeks have its doses been stable?",
    "still_active": "Is the disease still active despite this treatment?",
    "ana": "Antinuclear antibody (ANA) positive at screening?",
    "anti_dsdna": "Anti-dsDNA antibody positive?",
    "anti_sm": "Anti-Smith (anti-Sm) antibody positive?",
    "sledai_mode": "SLEDAI-2K: tick the descriptors present here, or enter the two totals?",
    "sledai_descriptors": "SLEDAI-2K: tick each descriptor present, then Done.",
    "sledai_total": "SLEDAI-2K total score?",
    "clinical_sledai_total": "Clinical SLEDAI-2K? The total without the {count} urine and "
                             "laboratory items (at most {points} points): {items}.",
    "bilag_constitutional": "BILAG-2004 grade, constitutional?",
    "bilag_mucocutaneous": "BILAG-2004 grade, mucocutaneous?",
    "bilag_neuropsychiatric": "BILAG-2004 grade, neuropsychiatric?",
    "bilag_musculoskeletal": "BILAG-2004 grade, musculoskeletal?",
    "bilag_cardiorespiratory": "BILAG-2004 grade, cardiorespiratory?",
    "bilag_gastrointestinal": "BILAG-2004 grade, gastrointestinal?",
    "bilag_ophthalmic": "BILAG-2004 grade, ophthalmic?",
    "bilag_renal": "BILAG-2004 grade, renal?",
    "bilag_haematological": "BILAG-2004 grade, haematological?",
    "pga": "Physician global assessment (PGA, 0-3 VAS)?",
    "alt": "ALT (U/L)?",
    "ast": "AST (U/L)?",
    "bilirubin": "Total bilirubin? (µmol/L or mg/dL)",
    "gilbert": "Bilirubin is above the limit. Does the candidate have Gilbert syndrome?",
    "creatinine": "Serum creatinine? (µmol/L or mg/dL)",
    "weight": "Creatinine is above the limit, so I will compute the creatinine clearance "
              "(Cockcroft-Gault). Body weight in kg?",
    "neutrophils": "Neutrophil count? (×10^9/L, or /µL)",
    "haemoglobin": "Haemoglobin? (g/L or g/dL)",
    "platelets": "Platelet count? (×10^9/L, or /µL)",
    "lymphocytes": "Lymphocyte count? (×10^9/L, or /µL)",
    "inr": "INR?",
    "pt": "INR is above the limit. Prothrombin time (PT) in seconds?",
    "spo2": "SpO2 at rest on room air (%)?",
    "lvef": "LVEF on echocardiography (%)?",
    "childbearing_potential": "Is she of childbearing potential?",
    "pregnancy_test_negative": "Serum or urine pregnancy test at screening negative?",
    "contraception_consent": "Does she consent to highly effective contraception from 28 days "
                             "before infusion until 12 months after?",
    "reproductive_potential": "Is he of reproductive potential (fertile, not permanently "
                              "sterile)?",
    "barrier_contraception_consent": "Does he consent to barrier contraception until 12 months "
                                     "after infusion, and to no semen or sperm donation?",
}

# A question asked together with its branch's first question (domain.questions.MERGED).
MERGED_PROMPTS = {
    "glucocorticoid": "Prior treatment: on a glucocorticoid? Press the drug (its daily dose "
                      "comes next), or No.",
    "sledai_mode": "SLEDAI-2K: tick each descriptor present, then Done (or Enter totals to type "
                   "the two totals).",
}
# A grid's questions, one row each (domain.questions: Question.grid), and its "all others".
GRID_PROMPTS = {
    "serology": "Positive at screening? Press Yes or No on each row (or type ANA+ dsDNA+ Sm-).",
    "bilag": "BILAG-2004: press each system's grade; “All others D/E” when the rest are D or E.",
}
GRID_REST = {"bilag": "All others D/E"}
# The sections of a screening (domain.questions.SECTIONS), and how to type several answers.
SECTION_TITLES = {
    "candidate": "The candidate", "treatment": "Treatment history", "serology": "Serology",
    "disease_activity": "Disease activity", "laboratory": "Laboratory values",
    "organ_function": "Organ function", "reproduction": "Reproduction",
    "exclusions": "Exclusion criteria",
}
# How to type several answers at once, by question id or section (shown with a number asked).
TYPING_HINTS = {
    "age": "Age and sex may go in one message: 45 F.",
    "treatment_months": "Both durations may go in one message: 6 months, stable 4 weeks.",
    "laboratory": "Several values may go in one message, each after its name: ALT 48 AST 35 "
                  "TBIL 16.8 umol/L. A number without its unit is read in the laboratory's "
                  "usual unit when no other reading is likely; otherwise you pick.",
    "organ_function": "Both may go in one message: SpO2 97 LVEF 60.",
}
# An answer as a section, a review's change list and a grid's row name it, by question id.
SHORT_NAMES = {
    "consent": "Consent", "age": "Age", "sex": "Sex", "sle_criteria": "SLE criteria",
    "ana_entry": "ANA entry criterion", "eular_items": "2019 EULAR/ACR items",
    "glucocorticoid": "Glucocorticoid", "glucocorticoid_drug": "Drug",
    "glucocorticoid_dose": "Dose", "immunosuppressant": "Immunosuppressant",
    "biologic": "Biologic", "treatment_months": "Treated", "stable_weeks": "Stable",
    "still_active": "Still active", "ana": "ANA", "anti_dsdna": "Anti-dsDNA",
    "anti_sm": "Anti-Sm", "sledai_mode": "SLEDAI-2K entry",
    "sledai_descriptors": "SLEDAI-2K items", "sledai_total": "SLEDAI-2K",
    "clinical_sledai_total": "Clinical SLEDAI-2K",
    "bilag_constitutional": "Const.", "bilag_mucocutaneous": "Mucocut.",
    "bilag_neuropsychiatric": "Neuropsych.", "bilag_musculoskeletal": "Musculosk.",
    "bilag_cardiorespiratory": "Cardioresp.", "bilag_gastrointestinal": "GI",
    "bilag_ophthalmic": "Ophthalmic", "bilag_renal": "Renal", "bilag_haematological": "Haemat.",
    "pga": "PGA", "alt": "ALT", "ast": "AST", "bilirubin": "TBIL", "gilbert": "Gilbert",
    "creatinine": "Creatinine", "weight": "Weight", "neutrophils": "Neutrophils",
    "haemoglobin": "Hb", "platelets": "Platelets", "lymphocytes": "Lymphocytes", "inr": "INR",
    "pt": "PT", "spo2": "SpO2", "lvef": "LVEF", "childbearing_potential": "Childbearing",
    "pregnancy_test_negative": "Pregnancy test negative",
    "contraception_consent": "Contraception", "reproductive_potential": "Reproductive",
    "barrier_contraception_consent": "Barrier contraception",
}

OPTION_LABELS = {
    "female": "Female", "male": "Male",
    "eular_acr_2019": "2019 EULAR/ACR", "slicc_2012": "2012 SLICC",
    "compute_2019": "Go through the 2019 items", "neither": "Neither",
    "descriptors": "Tick descriptors", "totals": "Enter totals",
    "prednisone": "Prednisone", "prednisolone": "Prednisolone",
    "methylprednisolone": "Methylprednisolone", "triamcinolone": "Triamcinolone",
    "hydrocortisone": "Hydrocortisone", "cortisone": "Cortisone",
    "dexamethasone": "Dexamethasone", "betamethasone": "Betamethasone",
    "yes": "Yes", "no": "No",
}

SLEDAI_LABELS = {  # the SLEDAI-2K descriptors of domain/scores.py, as on the published form
    "seizure": "Seizure",
    "psychosis": "Psychosis",
    "organic_brain_syndrome": "Organic brain syndrome",
    "visual_disturbance": "Visual disturbance",
    "cranial_nerve_disorder": "Cranial nerve disorder",
    "lupus_headache": "Lupus headache",
    "cerebrovascular_accident": "Cerebrovascular accident",
    "vasculitis": "Vasculitis",
    "arthritis": "Arthritis (≥2 joints)",
    "myositis": "Myositis",
    "urinary_casts": "Urinary casts",
    "hematuria": "Haematuria (>5 RBC/hpf)",
    "proteinuria": "Proteinuria (>0.5 g/24 h)",
    "pyuria": "Pyuria (>5 WBC/hpf)",
    "rash": "Rash (inflammatory)",
    "alopecia": "Alopecia",
    "mucosal_ulcers": "Mucosal ulcers",
    "pleurisy": "Pleurisy",
    "pericarditis": "Pericarditis",
    "low_complement": "Low complement (C3 or C4)",
    "increased_dna_binding": "Increased DNA binding",
    "fever": "Fever (>38 °C)",
    "thrombocytopenia": "Thrombocytopenia (<100×10^9/L)",
    "leukopenia": "Leukopenia (<3×10^9/L)",
}
EULAR_LABELS = {  # the 2019 EULAR/ACR items of domain/scores.py
    "fever": "Fever >38.3 °C",
    "leukopenia": "Leukopenia <4×10^9/L",
    "thrombocytopenia": "Thrombocytopenia <100×10^9/L",
    "autoimmune_haemolysis": "Autoimmune haemolysis",
    "delirium": "Delirium",
    "psychosis": "Psychosis",
    "seizure": "Seizure",
    "alopecia": "Non-scarring alopecia",
    "oral_ulcers": "Oral ulcers",
    "subacute_or_discoid": "Subacute cutaneous or discoid lupus",
    "acute_cutaneous": "Acute cutaneous lupus",
    "effusion": "Pleural or pericardial effusion",
    "acute_pericarditis": "Acute pericarditis",
    "joint_involvement": "Joint involvement",
    "proteinuria": "Proteinuria >0.5 g/24 h",
    "nephritis_ii_v": "Biopsy: class II or V lupus nephritis",
    "nephritis_iii_iv": "Biopsy: class III or IV lupus nephritis",
    "antiphospholipid": "Antiphospholipid antibodies",
    "low_c3_or_c4": "Low C3 or low C4",
    "low_c3_and_c4": "Low C3 and low C4",
    "anti_dsdna_or_sm": "Anti-dsDNA or anti-Smith",
}

SCREENING = {
    "none_ticked": "none",  # a multiple choice with nothing ticked
    "started": "New screening {number}. No names, please: the screening number identifies the "
               "candidate. /back returns to the previous question, /cancel stops (answers are "
               "kept), /finish ends early as a screen failure.",
    "resumed": "Continuing screening {number} where it stopped.",
    "also_open": "Still open: {numbers} (continue one with /screen S-…).",
    "not_found": "There is no screening {number}.",
    "closed": "Screening {number} is closed ({status}).",
    "question": "{number} · criterion {criterion}\n{prompt}",
    "exclusion_question": "{number} · exclusion criterion {criterion}\n{prompt}",
    "exclusion_number": "E{number}",  # exclusion criterion 2 in a verdict: "E2. ..."
    "example": "Type the value, e.g. {example}",
    "tick_done": "Done ({total})",
    "pick_reading": "Or pick what you meant:",
    "running_sledai": "SLEDAI-2K {total}, clinical {clinical}",
    "running_eular": "{points} points",
    "use_buttons": "Please tick the items with the buttons, then press Done.",
    "first_question": "This is the first question.",
    "went_back": "Back to the previous question (the earlier answer is kept in the audit trail).",
    "back_reason": "went back with /back",
    "cancelled": "Stopped. Screening {number} is kept with its answers; continue with "
                 "/screen {number}.",
    "warning": "⚠ Not eligible: {reason}.",
    "warning_hint": "You can go on, or /finish to close it as a screen failure.",
    "cannot_finish": "Nothing has failed so far and {left} left, so there is nothing to finish "
                     "yet.",
    "questions_left": {"one": "1 question is", "other": "{count} questions are"},
    "questions_range": "{count} to {most} questions (depending on the answers) are",
    "section": "{title}",
    "section_answers": "{title}: {answers}",
    "section_done": "✓ {title}: {answers}",
    "short_answer": "{name} {value}",
    "saved_values": "Saved: {values}.",
    "entry_refused": "⚠ {name}: {reason}",
    "row_hint": "Press the answer on this row.",
    "already_taken": "Already saved.",
    "verdict_title": "{number}: {verdict}",
    "computed_line": "Computed: {values}",
    "failed_title": "Criteria not met:",
    "missing_title": {"one": "Not answered: 1 question.",
                      "other": "Not answered: {count} questions."},
    "verdict": {"eligible": "ELIGIBLE", "not_eligible": "NOT ELIGIBLE",
                "incomplete": "INCOMPLETE"},
    "confirm_eligible": "✅ Save as eligible",
    "confirm_failure": "Save as screen failure",
    "change": "↩ Change an answer",
    "change_which": "{number}: which answer do you want to change? It is asked again; the old "
                    "answer stays in the audit trail.",
    "change_button": "{name}: {value}",
    "back_to_review": "« Back to the review",
    "change_reason": "changed from the review before saving",
    "already_saved": "Screening {number} is already saved ({status}).",
    "saved_statuses": {"eligible": "eligible", "screen_failure": "screen failure",
                       "withdrawn": "withdrawn"},
    "saved_eligible": "Screening {number} saved as ELIGIBLE. Enrol with /enroll {number} by "
                      "{valid_until} (a screening is valid for {days} days).\n{summary}",
    "saved_failure": "Screening {number} saved as a SCREEN FAILURE ({reasons}).",
    "no_open": "You have no open screening. Start one with /screen.",
    "correct_usage": "Which screening? e.g. /correct S-004",
    "correct_which": "{number}: which answer is wrong? Type its number.\n{answers}",
    "correct_pick": "Please type a number from 1 to {count}.",
    "correct_reason": "Why is the answer to \"{prompt}\" corrected? The old answer and your "
                      "reason stay in the audit trail.",
    "short_reason": "Please give the reason in a few words, at least {least} characters (e.g. "
                    "\"lab report re-checked\").",
    "long_reason": "Please keep the reason under {most} characters.",
    "correcting": "Type or choose the corrected answer.",
    "not_saved": "Not saved: see the message below.",
    "answered_meanwhile": "⚠ {number}: “{prompt}” was answered meanwhile (by {who}: {answer}); "
                          "yours was not saved. The current question is below.",
    "moved_on": "⚠ {number}: “{prompt}” is no longer the question to answer (the answers "
                "changed meanwhile); yours was not saved. The current question is below.",
    "changed_meanwhile": "⚠ {number}: the answers changed meanwhile, so nothing was saved. "
                         "Where it stands now is below.",
    "other_screening": "⚠ That button belongs to screening {button}, but {number} is open here: "
                       "nothing was saved in either. The current question of {number} is below "
                       "(continue {button} with /screen {button}).",
    "unknown_button": "⚠ That button is no longer current: nothing was saved. The current "
                      "question is below.",
    "correct_enrolled": "{number} is enrolled as {participant}: its screening answers can no "
                        "longer be corrected here. Tell the investigator (protocol deviation).",
}

# The inclusion criteria of domain/eligibility.py, by criterion id.
CRITERION_TITLES = {
    "consent": "Informed consent", "age": "Age", "sle_diagnosis": "SLE classification",
    "prior_treatment": "Prior treatment", "glucocorticoid_dose": "Glucocorticoid dose",
    "autoantibodies": "ANA / anti-dsDNA / anti-Sm", "sledai": "SLEDAI-2K", "bilag": "BILAG-2004",
    "pga": "Physician global assessment", "alt": "ALT", "ast": "AST",
    "bilirubin": "Total bilirubin", "renal": "Creatinine or clearance",
    "neutrophils": "Neutrophils", "haemoglobin": "Haemoglobin", "platelets": "Platelets",
    "lymphocytes": "Lymphocytes", "coagulation": "INR or PT", "spo2": "SpO2", "lvef": "LVEF",
    "pregnancy_test": "Pregnancy test", "contraception": "Contraception",
}
# The values the verdict computed (domain.eligibility.COMPUTED), by key.
COMPUTED_NAMES = {
    "sledai": "SLEDAI-2K", "clinical_sledai": "Clinical SLEDAI-2K",
    "creatinine_clearance": "Creatinine clearance",
    "prednisone_equivalent": "Prednisone equivalent",
    "alt_uln": "ALT ×ULN", "ast_uln": "AST ×ULN", "bilirubin_uln": "Total bilirubin ×ULN",
    "creatinine_uln": "Creatinine ×ULN", "inr_uln": "INR ×ULN", "pt_uln": "PT ×ULN",
}

# The command menu (set_my_commands) and /help, by the role a command needs.
COMMANDS = {
    "status": "Escalation status: cohorts, DLTs, next step",
    "screen": "Screen a candidate (or /screen S-004 to continue)",
    "correct": "Correct an answer of a screening, with a reason: /correct S-004",
    "enroll": "Enrol an eligible candidate: /enroll S-004",
    "reschedule": "Move a planned infusion date, with a reason: /reschedule P-03",
    "infuse": "Record an infusion as given (time, lymphodepletion, cells): /infuse P-03",
    "dlt": "Report a dose-limiting toxicity",
    "revise": "Revise a DLT judgement, with a reason: /revise P-03",
    "evaluate": "Confirm a DLT window completed without a DLT: /evaluate P-03",
    "withdraw": "Withdraw a participant or a screening: /withdraw P-03",
    "participant": "One participant's timeline: /participant P-03",
    "screenlog": "Screening log counts: /screenlog 2026-11-01 2026-11-30 for a range",
    "export": "The trial's records as a workbook (investigators)",
    "whatif": "3+3 answer for a history: /whatif 1NNT 1NN",
    "simulate": "What the 3+3 design will likely do: /simulate 0.05 0.25 (true DLT rates)",
    "alerts": "Alerts nobody has acknowledged yet (investigators)",
    "expansion": "Open case expansion at a cleared dose level: /expansion DL1",
    "staff": "Manage staff (admins)",
    "language": "Choose your language: 中文 or English",
    "help": "What each command does",
    "cancel": "Leave the current form (answers are kept)",
}
HELP = {
    "title": "trialbot for {name} ({role}). Commands you can use:",
    "roles": {
        "coordinator": ("status", "screen", "correct", "enroll", "reschedule", "infuse",
                        "withdraw", "participant", "screenlog", "whatif", "language", "help",
                        "cancel"),
        "investigator": ("dlt", "revise", "evaluate", "alerts", "simulate", "expansion",
                         "export"),
        "admin": ("staff",),
    },
    "footer": "The bot recommends; an investigator confirms every escalation step.",
}
ROLE_NAMES = {"coordinator": "coordinator", "investigator": "investigator", "admin": "admin"}

# /language: the language the bot speaks to each staff member (its name in itself).
LANGUAGE = {
    "ask": "The bot speaks {now} to you. Choose your language:",
    "names": {"en": "English", "zh_Hans": "中文"},
    "chosen": "From now on the bot speaks {name} to you, alerts included.",
    "stale": "That button is no longer current.",
}

STATUS = {
    "title": "{trial}: {enrolled} enrolled, {left} of {cap} places left.",
    "level": "{label} ({dose}/kg): {enrolled} enrolled, {evaluable} evaluable, {dlts} DLT, "
             "{pending} awaiting the end of their window, {not_evaluable} not evaluable "
             "— {status}",
    "in_window": "In DLT window: {who}",
    "window_item": "{number} ({label}) until {end}",
    "nobody_in_window": "Nobody is in a DLT window.",
    "next": "Next step: {action}. {reason}",
    "next_dose": "Next participant: {label}, {places} place(s) open in this cohort.",
    "warning": "⚠ {text}",
    "confirmed": "Confirmed by {who} on {when}.",
    "unconfirmed": "Not yet confirmed by an investigator.",
    "unreadable": "The 3+3 rules cannot read the recorded history: {error}. An investigator "
                  "must review the DLT reports before anyone else is enrolled.",
    # a dose level's state (domain.escalation.LevelStatus)
    "level_statuses": {"not-opened": "not opened", "under-evaluation": "under evaluation",
                       "cleared": "cleared", "exceeds-mtd": "exceeds MTD", "mtd": "MTD",
                       "stopped-at-cap": "undecided, stopped by the cap"},
    "actions": {
        "enroll": "enrol", "expand": "expand to 6", "escalate": "escalate",
        "de-escalate": "de-escalate", "wait": "wait", "mtd": "MTD declared",
        "top-dose-cleared": "top dose cleared", "no-tolerated-dose": "no tolerated dose",
        "cap-reached": "dose escalation ended at the cap",
    },
    "participant_usage": "Which participant? e.g. /participant P-03",
    "no_participant": "There is no participant {number}.",
    "participant": "{number} (screening {screening}) · {label}, cohort {cohort}{expansion}\n"
                   "Weight {weight} kg · dose {total} CAR+ T cells ({dose}/kg)\n"
                   "{infusion}\n"
                   "Enrolled {enrolled_at} by {enrolled_by}",
    "infused": "Infused {at} (planned {planned}) · {cells} CAR+ T cells, {percent} of the "
               "target{below} · DLT window until {window_end}",
    "below_minimum": " (below the protocol's minimum of {minimum}: not evaluable for DLT)",
    "lymphodepletion": "Lymphodepletion: fludarabine {fludarabine} · cyclophosphamide "
                       "{cyclophosphamide}",
    "planned": "Infusion planned {planned}, not yet recorded (/infuse {number}) · DLT window "
               "until {window_end} as planned",
    "evaluated": "DLT window completed, no DLT: confirmed by {who} on {when}.",
    "to_evaluate": "The DLT window has ended: an investigator confirms the evaluation.",
    "awaiting_evaluation": "DLT window ended, evaluation not confirmed: {who}",
    "awaiting_item": "{number} ({label}) ended {end}",
    "awaiting_not_infused": "{number} ({label}) ended {end} as planned, infusion not recorded",
    "evaluate_hint": "Investigators confirm each with its button or /evaluate; until then the "
                     "3+3 counts them as pending.",
    "next_infusion": "Next infusion not before {date} (infusions {days} days apart).",
    "expansion": " (case expansion)",
    "withdrawn": "Withdrawn {on}: {reason}",
    "no_reports": "No toxicity reported.",
    "report": "{onset}: {event} grade {grade} ({grading}), {attribution}, {judgement}",
    "dlt_yes": "DLT",
    "dlt_no": "not a DLT",
    "screenlog": "Screening log: {screened} screened, {in_progress} in progress, {eligible} "
                 "eligible, {failed} screen failures, {withdrawn} withdrawn, {enrolled} enrolled.",
    "screenlog_since": "Screenings started on or after {since} (site dates):",
    "screenlog_between": "Screenings started {since} to {until} (site dates, both included):",
    "screenlog_usage": "Give no dates for the whole log, a first day, or a range, e.g. "
                       "/screenlog 2026-11-01 2026-11-30 (the site's dates, both included).",
    "screenlog_reversed": "{since} is after {until}: please give the earlier date first.",
    "fail_reasons": "Screen failures by criterion (a candidate failing several criteria counts "
                    "under each):",
    "fail_reason": "• {criterion}: {count}",
    "by_level": "Enrolled by dose level: {levels}.",
    "by_level_item": "{label} {count}",
    "export_caption": "{study} records as of {at} (UTC; site time zone {zone}). This export is "
                      "recorded in the audit trail.",
    "whatif_usage": "Give a history, e.g. /whatif 1NNT 1NN (N no DLT, T DLT, P in window, "
                    "X not evaluable).",
    "whatif": "What if {history}:\n{reason}\naction {action}, next dose {next_dose}, "
              "MTD {mtd}, recommended {recommended}, complete {complete}",
    "not_allowed": "The protocol does not allow this history: {error}",
    "none": "none",
}

# The escalation chart (handlers/chart.py): /status, /whatif and `trialbot chart`.
CHART = {
    "title": "{trial}: {enrolled} enrolled, {left} of {cap} places left",
    "title_whatif": "What if {history}: {enrolled} enrolled, {left} of {cap} places left",
    "cohorts": "Cohorts: {history}",
    "no_cohorts": "Cohorts: none yet",
    "step": "Next step: {action}",
    "step_dose": "Next step: {action} · next participant at {label}",
    "unreadable": "The 3+3 rules cannot read this history: an investigator must review it",
    "x_label": "Participants in enrolment order",
    "level_tick": "{label}\n{dose}/kg",
    "next": "next",
    # one per outcome letter (domain.escalation.Outcome), then the case-expansion shape
    "legend": {"T": "DLT", "N": "no DLT", "P": "DLT window open",
               "X": "not evaluable (replaced)", "expansion": "case expansion"},
}

# The export (handlers/export.py): /export and `trialbot export PATH [--csv DIR]`.
EXPORT = {
    "sheets": {  # sheet titles (at most 31 characters)
        "about": "About", "screening_log": "Screening log", "answers": "Eligibility answers",
        "participants": "Participants and dosing", "dlt_reports": "DLT reports",
        "decisions": "Escalation decisions", "alerts": "Alerts", "staff_changes": "Staff changes",
        "audit": "Audit trail", "columns": "Columns",
    },
    "about_columns": ("item", "value"),
    "about": {
        "study": "Study (STUDYID)",
        "site": "Site (SITEID)",
        "exported_at": "Exported at (UTC, ISO 8601)",
        "exported_by": "Exported by",
        "time_zone": "Site time zone",
        "times": "Times",
        "names": "Names",
    },
    "times": "Every time (…_at, …DTC with a time) is UTC in ISO 8601; calendar dates (infusion, "
             "onset, withdrawal, DLT window end) are the site's local dates.",
    "names": "No candidate or participant names are recorded: screening numbers (S-…) and "
             "participant numbers (P-…) identify them. Staff appear by Telegram user id.",
    "columns_columns": ("sheet", "column", "standard", "meaning"),
    "sdtm": "CDISC SDTM",
    "own": "trialbot",
    # column key -> (header, meaning). Upper-case headers are CDISC SDTM variables; lower-case
    # ones are trialbot's own, where SDTM has none.
    "columns": {
        "STUDYID": ("STUDYID", "Study identifier (the protocol's name)."),
        "SITEID": ("SITEID", "Study site identifier (setting TRIALBOT_SITE)."),
        "USUBJID": ("USUBJID", "Unique subject identifier: STUDYID-SITEID-SUBJID; empty for a "
                               "candidate not enrolled."),
        "SUBJID": ("SUBJID", "Participant number at the site (P-01, P-02, …)."),
        "screening": ("screening", "Screening number (S-001, …): one per candidate."),
        "started_at": ("started_at", "When the screening was started (UTC)."),
        "finished_at": ("finished_at", "When the screening was last closed with a verdict or "
                                       "withdrawn (UTC); empty while in progress."),
        "AGE": ("AGE", "Age in years, as answered at screening."),
        "SEX": ("SEX", "Sex: F or M."),
        "status": ("status", "Screening status: in_progress, eligible, screen_failure or "
                             "withdrawn."),
        "verdict": ("verdict", "The eligibility verdict saved: eligible or not_eligible."),
        "failed_criteria": ("failed_criteria", "Every inclusion criterion not met, as "
                                               "'number id', separated by '; '."),
        "failed_count": ("failed_count", "How many inclusion criteria were not met."),
        "IETESTCD": ("IETESTCD", "The screening question answered (trialbot question id)."),
        "IEORRES": ("IEORRES", "The answer exactly as typed or pressed (e.g. '1.2 mg/dL')."),
        "IEORRESU": ("IEORRESU", "The unit of the answer as typed, spelled properly; empty for "
                                 "answers without a unit."),
        "IESTRESC": ("IESTRESC", "The answer normalised: canonical unit (µmol/L, ×10^9/L, g/L, "
                                 "U/L, …), option id, or a JSON list of option ids; empty once "
                                 "retracted."),
        "standing": ("standing", "Y if the answer stands; N if it was retracted (for a "
                                 "correction or /back: the audit trail has the old value and "
                                 "the reason)."),
        "answered_by": ("answered_by", "Who answered (Telegram user id)."),
        "answered_at": ("answered_at", "When it was answered (UTC)."),
        "ARMCD": ("ARMCD", "Dose level (DL1, DL2, …)."),
        "cohort": ("cohort", "Cohort number within the dose level."),
        "expansion": ("expansion", "Y for a case-expansion participant (not DLT-evaluated)."),
        "weight_kg": ("weight_kg", "Body weight at enrolment, kg."),
        "EXDOSE": ("EXDOSE", "Dose per kg of body weight."),
        "EXDOSU": ("EXDOSU", "Unit of EXDOSE."),
        "total_cells": ("total_cells", "Total dose: EXDOSE × weight, CAR+ T cells."),
        "EXSTDTC": ("EXSTDTC", "Planned infusion date (site date)."),
        "dlt_window_end": ("dlt_window_end", "Last day of the DLT window (site date)."),
        "DSDECOD": ("DSDECOD", "WITHDRAWN if the participant left the trial; empty otherwise."),
        "DSTERM": ("DSTERM", "The reason for the withdrawal, as typed."),
        "DSSTDTC": ("DSSTDTC", "Date of the withdrawal (site date)."),
        "enrolled_by": ("enrolled_by", "Who enrolled the participant (Telegram user id)."),
        "enrolled_at": ("enrolled_at", "When the participant was enrolled (UTC)."),
        "AESEQ": ("AESEQ", "Sequence number of the report for this participant."),
        "report_id": ("report_id", "The report's number in trialbot (the audit trail's record)."),
        "AETERM": ("AETERM", "The event: crs, icans, cytopenia, infection or other."),
        "grading": ("grading", "The grading system of AETOXGR (ASTCT for CRS and ICANS, CTCAE "
                               "otherwise)."),
        "AETOXGR": ("AETOXGR", "Toxicity grade."),
        "AESTDTC": ("AESTDTC", "Onset date (site date)."),
        "AEREL": ("AEREL", "Relation to the CAR-T: unrelated, unlikely, possible, probable or "
                           "definite."),
        "dlt_suggested": ("dlt_suggested", "Y if trialbot's protocol rules suggested a DLT."),
        "dlt": ("dlt", "Y if the investigator judged it a DLT (after any revision: the audit "
                       "trail has earlier judgements and reasons)."),
        "notes": ("notes", "Notes typed with the report."),
        "reported_by": ("reported_by", "Who reported it (Telegram user id)."),
        "reported_at": ("reported_at", "When it was reported (UTC)."),
        "decision_id": ("decision_id", "The decision's number in trialbot."),
        "history": ("history", "The escalation history confirmed, as an outcome string (N no "
                               "DLT, T DLT, P window open, X not evaluable; + case expansion)."),
        "action": ("action", "The 3+3 step confirmed: expand, escalate, de-escalate, mtd, "
                             "top-dose-cleared or no-tolerated-dose."),
        "dose_level": ("dose_level", "The dose level the step is about."),
        "next_dose": ("next_dose", "The dose level of the next participant, as recommended."),
        "mtd": ("mtd", "The maximum tolerated dose, once declared."),
        "confirmed_by": ("confirmed_by", "The investigator who confirmed (Telegram user id)."),
        "confirmed_by_name": ("confirmed_by_name", "The investigator who confirmed, by name."),
        "confirmed_at": ("confirmed_at", "When it was confirmed (UTC)."),
        "alert_id": ("alert_id", "The alert's number in trialbot."),
        "kind": ("kind", "What the alert is about (e.g. dlt, escalation-allowed, "
                         "step-confirmed)."),
        "recipients": ("recipients", "Who is told: a role, or all."),
        "params": ("params", "The alert's details (JSON), worded when it is sent."),
        "text": ("text", "The alert's words, for alerts stored before alerts were worded at "
                         "sending."),
        "created_at": ("created_at", "When the alert was raised (UTC)."),
        "attempts": ("attempts", "How often sending it was tried."),
        "last_error": ("last_error", "The last error sending it, if any."),
        "delivered_at": ("delivered_at", "When it was delivered (UTC)."),
        "acknowledged_at": ("acknowledged_at", "When it was acknowledged (UTC)."),
        "acknowledged_by": ("acknowledged_by", "Who acknowledged it (Telegram user id)."),
        "audit_id": ("audit_id", "The audit row's number: the trail only grows."),
        "at": ("at", "When the change was made (UTC)."),
        "actor": ("actor", "Who made it: a Telegram user id, or shell for the command line."),
        "user_id": ("user_id", "The staff member changed (Telegram user id)."),
        "table": ("table", "The kind of record changed (answers, screenings, participants, "
                           "dlt_reports, escalation_decisions, alerts, staff, exports)."),
        "record": ("record", "Which record: screening or participant number, report, decision "
                             "or alert number, user id, or the time of an export."),
        "field": ("field", "The field changed (for answers, the question id)."),
        "old_value": ("old_value", "The value before, normalised: numbers and text as they are, "
                                   "yes/no as Y/N, lists as JSON."),
        "old_typed": ("old_typed", "The value before, exactly as it had been typed."),
        "new_value": ("new_value", "The value after, normalised like old_value."),
        "new_typed": ("new_typed", "The value after, exactly as typed."),
        "reason": ("reason", "The reason given for the change, as typed."),
    },
}

ADMIN = {
    "usage": "/staff list\n/staff add USER_ID ROLE NAME (role: coordinator, investigator, "
             "admin)\n/staff deactivate USER_ID",
    "line": "{user_id} · {role} · {state} · {name}",
    "active": "active",
    "inactive": "inactive",
    "added": "{name} ({user_id}) is now an active {role}.",
    "deactivated": "{user_id} can no longer use the bot.",
    "not_found": "No active staff member {user_id}.",
    "bad_id": "The user id must be a number, e.g. /staff add 123456789 coordinator Wei Xie",
    "bad_role": "Unknown role {role}: use coordinator, investigator or admin.",
    "not_self": "You cannot deactivate yourself.",
}

# A planned infusion date (/enroll, /reschedule): one text per problem key of domain/dates.py.
PLANNED_DATE = {
    "bad_date": "Please type the date as YYYY-MM-DD (years {first} to {last}), e.g. {example}.",
    "past_date": "{date} is in the past: the infusion date is today or later.",
    "too_far": "{date} is too far ahead: the protocol plans infusions at most {max_days} days "
               "ahead (by {latest}).",
    "too_early": "{date} is too early: the protocol spaces infusions, the earliest date is "
                 "{earliest}.",
}

ENROLLMENT = {
    "usage": "Which screening? e.g. /enroll S-004\nEligible and not yet enrolled: {numbers}",
    "none_eligible": "none",
    "not_found": "There is no screening {number}.",
    "not_eligible": "Screening {number} is {status}, not eligible: it cannot be enrolled.",
    "statuses": {"in_progress": "still in progress", "screen_failure": "a screen failure",
                 "withdrawn": "withdrawn"},
    "already_enrolled": "Screening {number} is already enrolled as {participant}.",
    "history_error": "The escalation history does not fit the protocol ({error}). Nothing can "
                     "be enrolled until an investigator has reviewed it.",
    "cap_reached": "The cap of {cap} participants is reached: no further enrolment.",
    "complete": {
        "mtd": "Dose escalation is complete: the MTD is {label}.",
        "top-dose-cleared": "Dose escalation is complete: the top dose {label} was cleared "
                            "without reaching the MTD.",
        "no-tolerated-dose": "Dose escalation has stopped: no dose level is tolerated.",
        "cap-reached": "Dose escalation ended at the cap of participants.",
    },
    "no_place": "No place for DLT evaluation is open. Case expansion opens when an "
                "investigator chooses its dose level with /expansion; then /enroll places "
                "candidates in it.",
    "wait": "Wait: every place at {label} is taken and DLT windows are open. Still in the "
            "window: {who}.",
    "wait_item": "{number} until {end}",
    "wait_item_ended": "{number} (window ended {end}, evaluation not confirmed)",
    "wait_no_one": "Wait: no place is open now.",
    "unconfirmed": "Waiting for an investigator to confirm: {step}. (Investigators confirm "
                   "with the button in /status.)",
    "place": "Enrolling {number}: {label} ({dose} CAR+ T cells/kg), cohort {cohort} place "
             "{place} of {size}, {left} under the cap of {cap}.\n"
             "/cancel leaves without enrolling.",
    "places_left": {"one": "{left} place left", "other": "{left} places left"},
    "expansion_place": "Enrolling {number} in case expansion at {label} ({dose} CAR+ T "
                       "cells/kg), expansion participant {place}, not DLT-evaluated; {left} "
                       "under the cap of {cap}.\n/cancel leaves without enrolling.",
    "expansion_review": "Enrol {number} in case expansion (not DLT-evaluated)?\n"
                        "{label} ({dose} CAR+ T cells/kg), expansion participant {place}\n"
                        "Weight {weight} kg\n"
                        "Dose to prepare: {dose}/kg × {weight} kg = {total} CAR+ T cells\n"
                        "Infusion {infusion}, safety follow-up as in the DLT window until "
                        "{window_end}",
    "expansion_enrolled": "Enrolled {participant} in case expansion at {label} ({dose} CAR+ T "
                          "cells/kg), expansion participant {place}, not DLT-evaluated.\n"
                          "Prepare {total} CAR+ T cells ({weight} kg).\n"
                          "Infusion {infusion}, follow-up until {window_end}.",
    "alert_enrolled_expansion": "{participant} enrolled in case expansion at {label} (not "
                                "DLT-evaluated): {total} CAR+ T cells for {weight} kg, infusion "
                                "{infusion}, follow-up until {window_end}.",
    "ask_weight": "Body weight in kg (for the cell dose)? e.g. 62",
    "weight_unusual": "{weight} kg is outside {low}-{high} kg, the usual range for this dose. If "
                      "it is right, press the button; otherwise type the weight again.",
    "weight_right": "{weight} kg is right",
    "ask_date": "Planned infusion date? Press a button or type it as YYYY-MM-DD.",
    "today": "Today ({date})",
    "tomorrow": "Tomorrow ({date})",
    **PLANNED_DATE,
    "review": "Enrol {number} as the next participant?\n"
              "{label} ({dose} CAR+ T cells/kg), cohort {cohort} place {place} of {size}\n"
              "Weight {weight} kg\n"
              "Dose to prepare: {dose}/kg × {weight} kg = {total} CAR+ T cells\n"
              "Infusion {infusion}, DLT window until {window_end}",
    "refused": "Not enrolled: {reason}\nNothing was saved.",
    "changed": "the 3+3 step changed while you were entering. Now: {reason}",
    "needs_confirmation_now": "the next step needs an investigator's confirmation first: {step}",
    "enrolled": "Enrolled {participant} at {label} ({dose} CAR+ T cells/kg), cohort {cohort} "
                "place {place} of {size}.\nPrepare {total} CAR+ T cells ({weight} kg).\n"
                "Infusion {infusion}, DLT window until {window_end}.",
    "alert_enrolled": "{participant} enrolled at {label} (cohort {cohort} place {place} of "
                      "{size}): {total} CAR+ T cells for {weight} kg, infusion {infusion}, DLT "
                      "window until {window_end}.{weight_note}",
    "alert_weight_confirmed": " The weight is outside the usual range and was confirmed.",
    "cancelled": "Not enrolled. Start again with /enroll {number}.",
    "use_buttons": "Please answer with the buttons above, or /cancel.",
    "nothing_open": "There is no enrolment in progress.",
}

DLT = {
    "choose": "Which participant had the event? In the DLT window now:",
    "nobody_in_window": "Nobody is in a DLT window now.",
    "type_number": "Or type a participant number (e.g. P-03) for an event reported late.\n"
                   "/cancel leaves without saving.",
    "participant_button": "{number} · {label} · until {end}",
    "bad_number": "Please type a participant number like P-03.",
    "no_participant": "There is no participant {number}.",
    "participant": "{number}: {label}, infused {infusion}, DLT window until {window_end}"
                   "{withdrawn}",
    "withdrawn": " (withdrawn {on})",
    "ask_event": "Which event?",
    "events": {"crs": "CRS", "icans": "ICANS", "cytopenia": "Cytopenia",
               "infection": "Infection", "other": "Other"},
    "ask_grade": "{event} is graded with {grading}. Grade?",
    "grade_hints": {
        "crs": "1 fever ≥38 °C · 2 hypotension without vasopressors and/or low-flow O2 "
               "(≤6 L/min) · 3 one vasopressor and/or high-flow O2 (>6 L/min) or mask · "
               "4 several vasopressors and/or positive-pressure ventilation · 5 death",
        "icans": "The worst of five domains sets the grade (ASTCT): ICE score, level of "
                 "consciousness, seizure, motor findings, raised intracranial pressure.\n"
                 "1 ICE 7-9; awakens spontaneously\n"
                 "2 ICE 3-6; awakens to voice\n"
                 "3 ICE 0-2; awakens only to touch; a clinical seizure resolving rapidly or "
                 "non-convulsive seizures on EEG resolving with intervention; focal oedema on "
                 "imaging\n"
                 "4 ICE 0 (unarousable); needs vigorous or repeated stimuli, stupor or coma; "
                 "seizure over 5 min or repeated without return to baseline; deep focal motor "
                 "weakness; diffuse cerebral oedema, posturing, cranial nerve VI palsy, "
                 "papilloedema or Cushing's triad\n"
                 "5 death\n"
                 "e.g. ICE 8 but awakens only to touch: grade 3.",
    },
    "grade_button": "Grade {grade}",
    "ask_onset": "Onset date? Press Today or type it as YYYY-MM-DD.",
    "today": "Today ({date})",
    "bad_date": "Please type the date as YYYY-MM-DD (years {first} to {last}), e.g. {example}.",
    "before_infusion": "{date} is before the infusion of {number} ({infusion}).",
    "future": "{date} is in the future: the onset cannot be later than today.",
    "after_window": "{date} is after the DLT window of {number} (ended {window_end}): under the "
                    "protocol it cannot be a DLT.",
    "ask_attribution": "Relation to the study treatment (CAR-T)?",
    "attributions": {"unrelated": "Unrelated", "unlikely": "Unlikely", "possible": "Possible",
                     "probable": "Probable", "definite": "Definite"},
    "suggested_dlt": "Suggested: DLT — {reason}",
    "suggested_not": "Suggested: not a DLT — {reason}",
    "ask_judgement": "{suggestion}\n\nYour judgement? (It is final and recorded next to the "
                     "suggestion.)",
    "is_dlt": "It is a DLT",
    "not_dlt": "Not a DLT",
    "summary": "Save this report?\n{participant}\n"
               "Event: {event} grade {grade} ({grading})\n"
               "Onset: {onset}\n"
               "Attribution: {attribution}\n"
               "{suggestion}\n"
               "Investigator's judgement: {judgement}",
    "judged_dlt": "DLT",
    "judged_not": "not a DLT",
    "differs": " (differs from the suggestion)",
    "save": "✅ Save",
    "related": {"unrelated": "unrelated", "unlikely": "unlikely to be related",
                "possible": "possibly related", "probable": "probably related",
                "definite": "definitely related"},
    "saved": "Saved: {number} {event} grade {grade} ({grading}), onset {onset}, {related}. "
             "Judgement: {judgement}.\n3+3 now: {reason}",
    "refused": "Not saved: {reason}",
    "alert_dlt": "DLT reported: {number} {label}, {event} grade {grade} ({grading}), onset "
                 "{onset}, {related}; reported by {who}.",
    "history_conflict": "After the report for {number}, the 3+3 history no longer fits the "
                        "design ({error}). Review the escalation before enrolling anyone.",
    "use_buttons": "Please answer with the buttons above, or /cancel.",
    "cancelled": "Stopped: nothing was saved.",
    "nothing_open": "There is no DLT report in progress.",
}

WITHDRAWAL = {
    "usage": "Whom to withdraw? e.g. /withdraw P-03 (a participant, investigators) or "
             "/withdraw S-004 (a screening not yet enrolled).\n"
             "Participants not withdrawn: {participants}\n"
             "Screenings open or eligible: {screenings}",
    "none": "none",
    # a participant
    "no_participant": "There is no participant {number}.",
    "already_withdrawn": "{number} was already withdrawn on {on} ({reason}): nothing to do.",
    "participant": "Withdrawing {number}: {label} ({dose} CAR+ T cells/kg){expansion}, infused "
                   "{infusion}, DLT window until {window_end}, {reports}.\n"
                   "/cancel leaves without saving.",
    "expansion": ", case expansion",
    "reports": {"zero": "no DLT report", "one": "1 DLT report", "other": "{count} DLT reports"},
    "dlts": " ({count} judged a DLT)",
    "ask_date": "Date of the withdrawal? Press Today or type it as YYYY-MM-DD.",
    "today": "Today ({date})",
    "bad_date": "Please type the date as YYYY-MM-DD (years {first} to {last}), e.g. {example}.",
    "before_infusion": "{date} is before the infusion of {number} ({infusion}).",
    "future": "{date} is in the future: the withdrawal date is today or earlier.",
    # the reason (participant or screening)
    "ask_reason": "Why is {number} withdrawn? Type the reason (e.g. consent withdrawn, "
                  "moved away, investigator's decision). No names, please.",
    "short_reason": "Please give the reason in a few words (at least {least} characters).",
    "long_reason": "Please keep the reason under {most} characters.",
    # what it means for the 3+3 (by the outcome the domain gives after the withdrawal)
    "outcomes": {"N": "evaluable, no DLT", "T": "DLT", "P": "in the DLT window",
                 "X": "not evaluable"},
    "outcome_change": "For the 3+3: {before} → {after}.",
    "meaning": {
        "X": "Withdrawn before the end of the DLT window without a DLT: not evaluable, the "
             "place will be refilled.",
        "N": "Withdrawn on or after the last day of the DLT window without a DLT: stays "
             "evaluable.",
        "T": "Had a DLT in the DLT window: the DLT still counts.",
        "P": "No DLT so far and the DLT window is still open today, or has ended without its "
             "evaluation confirmed: the outcome is known once an investigator confirms it "
             "(/evaluate).",
    },
    "meaning_expansion": "A case-expansion participant: not DLT-evaluated, the 3+3 decisions do "
                         "not change.",
    "then": "3+3 then: {reason}",
    "then_conflict": "⚠ After this withdrawal the 3+3 history would no longer fit the design "
                     "({error}). An investigator must review the escalation.",
    "summary": "Withdraw {number}?\n"
               "{label}, infused {infusion}, DLT window until {window_end}\n"
               "Withdrawn on: {on}\n"
               "Reason: {reason}\n"
               "{meaning}\n{then}",
    "saved": "Saved: {number} withdrawn on {on} ({reason}).\n{meaning}\n3+3 now: {now}",
    "to_confirm": "An investigator must confirm the next step: {step}.",
    "alert": "Withdrawal: {number} ({label}) on {on}, reason: {reason}. {meaning} Recorded by "
             "{who}.",
    "history_conflict": "After the withdrawal of {number}, the 3+3 history no longer fits the "
                        "design ({error}). Review the escalation before enrolling anyone.",
    "refused": "Not withdrawn: {reason}\nNothing was saved.",
    # a screening
    "no_screening": "There is no screening {number}.",
    "screening_enrolled": "Screening {number} is enrolled as {participant}: withdraw the "
                          "participant with /withdraw {participant} (investigators).",
    "screening_closed": "Screening {number} is {status}: there is nothing to withdraw.",
    "statuses": {"screen_failure": "a screen failure", "withdrawn": "already withdrawn"},
    "screening": "Withdrawing screening {number} ({status}). /cancel leaves without saving.",
    "screening_statuses": {"in_progress": "in progress", "eligible": "eligible, not enrolled"},
    "screening_summary": "Withdraw screening {number}?\nReason: {reason}\n"
                         "It will no longer be screened or enrolled.",
    "screening_saved": "Saved: screening {number} withdrawn ({reason}).",
    # both
    "use_buttons": "Please answer with the buttons above, or /cancel.",
    "cancelled": "Stopped: nothing was saved.",
    "nothing_open": "There is no withdrawal in progress.",
}

REVISION = {
    "usage": "Whose DLT judgement? e.g. /revise P-03\n"
             "Participants with DLT reports: {participants}",
    "none": "none",
    "no_participant": "There is no participant {number}.",
    "no_reports": "{number} has no DLT report: there is no judgement to revise. A new event is "
                  "reported with /dlt.",
    "choose": "{number}: {label}, infused {infusion}, DLT window until {window_end}.\n"
              "Which judgement do you revise? The earlier judgement and your reason stay in the "
              "audit trail.\n/cancel leaves without saving.",
    "report_button": "{onset}: {event} grade {grade} — {was} → change to {to}",
    "judgements": {"dlt": "DLT", "not": "not a DLT"},
    "ask_reason": "Why is the {event} grade {grade} of {number} (onset {onset}) now {to}? Type "
                  "the reason (e.g. CRS improved within 72 h). No names, please.",
    "short_reason": "Please give the reason in a few words (at least {least} characters).",
    "long_reason": "Please keep the reason under {most} characters.",
    # what it means for the 3+3
    "outcomes": {"N": "evaluable, no DLT", "T": "DLT", "P": "in the DLT window",
                 "X": "not evaluable"},
    "outcome_change": "For the 3+3: {before} → {after}.",
    "outside_window": "The onset is after the DLT window (ended {window_end}): the report does "
                      "not count for the 3+3 either way.",
    "meaning_expansion": "A case-expansion participant: not DLT-evaluated, the 3+3 decisions do "
                         "not change.",
    "then": "3+3 then: {reason}",
    "then_conflict": "⚠ After this revision the 3+3 history would no longer fit the design "
                     "({error}). An investigator must review the escalation.",
    "summary": "Revise this judgement?\n"
               "{number} ({label}): {event} grade {grade} ({grading}), onset {onset}, {related}\n"
               "Judgement: {was} → {to}\n"
               "Reason: {reason}\n"
               "{meaning}\n{then}",
    "saved": "Saved: {number} {event} grade {grade}, onset {onset}: {was} → {to} ({reason}).\n"
             "{meaning}\n3+3 now: {now}",
    "to_confirm": "An investigator must confirm the next step: {step}.",
    "alert": "DLT judgement revised: {number} ({label}) {event} grade {grade} ({grading}), onset "
             "{onset}: {was} → {to}. Reason: {reason}. Revised by {who}.",
    "history_conflict": "After the revision for {number}, the 3+3 history no longer fits the "
                        "design ({error}). Review the escalation before enrolling anyone.",
    "changed_meanwhile": "Not saved: this report was revised meanwhile and is already judged "
                         "{to}. See /participant {number}.",
    "refused": "Not revised: {reason}\nNothing was saved.",
    "no_report": "Not revised: the report is no longer among those of {number}.\n"
                 "Nothing was saved.",
    "use_buttons": "Please answer with the buttons above, or /cancel.",
    "cancelled": "Stopped: nothing was saved.",
    "nothing_open": "There is no revision in progress.",
}

RESCHEDULE = {
    "usage": "Whose planned infusion? e.g. /reschedule P-03\n"
             "Infusions that can still be moved: {participants}",
    "none": "none",
    "no_participant": "There is no participant {number}.",
    # why the planned date may no longer change (a key of domain.dates.reschedule_refusal)
    "withdrawn": "{number} was withdrawn on {on}: the infusion date can no longer be changed.",
    "at_save": {"has_reports": "{number} already has a DLT report",
                "withdrawn": "{number} was withdrawn on {on}",
                "infused": "the infusion of {number} was recorded meanwhile ({on})"},
    "has_reports": "{number} already has a DLT report: the infusion date ({infusion}) can no "
                   "longer be changed.",
    "infused": "{number} was infused on {on} (recorded): the planned date ({infusion}) can no "
               "longer be changed.",
    "participant": "Moving the infusion of {number}: {label}, planned for {infusion}, DLT window "
                   "until {window_end}.\n/cancel leaves without saving.",
    "ask_date": "New planned infusion date? Press a button or type it as YYYY-MM-DD.",
    "today": "Today ({date})",
    "tomorrow": "Tomorrow ({date})",
    **PLANNED_DATE,
    "unchanged": "{date} is already the planned date.",
    "ask_reason": "Why does the infusion of {number} move? Type the reason (e.g. cell product "
                  "release delayed). No names, please.",
    "short_reason": "Please give the reason in a few words (at least {least} characters).",
    "long_reason": "Please keep the reason under {most} characters.",
    "summary": "Move the infusion of {number} ({label})?\n"
               "Planned infusion: {old} → {new}\n"
               "DLT window until: {old_end} → {new_end}\n"
               "Reason: {reason}",
    "saved": "Saved: the infusion of {number} moved from {old} to {new} ({reason}). DLT window "
             "until {new_end}.",
    "alert": "Infusion moved: {number} ({label}) from {old} to {new}, DLT window until "
             "{new_end}. Reason: {reason}. Recorded by {who}.",
    "changed_meanwhile": "the planned date of {number} changed meanwhile to {infusion}",
    "refused": "Not moved: {reason}\nNothing was saved.",
    "use_buttons": "Please answer with the buttons above, or /cancel.",
    "cancelled": "Stopped: nothing was saved.",
    "nothing_open": "There is no rescheduling in progress.",
}

# Operating characteristics (/simulate and `trialbot simulate`): a table in fixed-width lines,
# probabilities in percent, and the chart sent with it in the chat.
SIMULATE = {
    "usage": "Give the true DLT rate you assume at each dose level, DL1 first, e.g. "
             "/simulate 0.05 0.25 (or 5% 25%). 10,000 trials are simulated with the 3+3 rules "
             "the bot applies to real participants.",
    "refused": "{error}\n{usage}",
    "title": "{trial}: what the 3+3 design will likely do, {trials} simulated trials (seed "
             "{seed}).",
    "from_current": "Starting from the trial as recorded: {history} (open DLT windows resolved "
                    "by the same draws); figures count everyone, recorded participants included.",
    "assumed": "Assumed true DLT rates: {rates}; not evaluable (left the DLT window early "
               "without a DLT): {dropout}.",
    "rate": "{label} {percent} %",
    "dropout": "{percent} %",
    "simulated": "simulated",
    "exact": "exact",
    "recommended": "Dose recommended at the end",
    "mtd_declared": "MTD declared",
    "end_state": "How dose escalation ends",
    "no_dose": "none",
    "end_states": {"mtd": "MTD declared", "top-dose-cleared": "top dose cleared",
                   "no-tolerated-dose": "no tolerated dose", "cap-reached": "cap reached"},
    "participants": "Participants (mean)",
    "at_level": "at {label}",
    "dlts": "DLTs (mean)",
    "percent": "{value:.1f} %",
    "mean": "{value:.2f}",
    "precision": "Precision: with {trials} trials a simulated probability is within "
                 "±{margin:.2g} percentage points of the true one under these assumptions (95 % "
                 "confidence, at worst); ±{finer:.2g} points takes {finer_trials} trials.",
    "exact_note": "Exact: the closed form (every cohort outcome, binomial probabilities).",
    "no_exact": "No exact figures: the closed form covers a new trial without dropout.",
    "chart_title": "{trial}: dose recommended at the end ({rates})",
    "chart_axis": "probability (%)",
    "caption": "Dose recommended at the end: simulated (bars, 95 % margins) and exact (lines).",
    "caption_no_exact": "Dose recommended at the end: simulated (bars, 95 % margins).",
}


# /infuse: the infusion as given. Problems with the time are keys of domain/dates.py.
INFUSION = {
    "usage": "Whose infusion? e.g. /infuse P-03\nInfusions to record: {participants}",
    "none": "none",
    "participant": "Recording the infusion of {number}: {label}, planned for {planned}.\n"
                   "Dose: {dose}/kg × {weight} kg = {total} CAR+ T cells.\n"
                   "/cancel leaves without saving.",
    "ask_time": "When was it infused? Press Now, or type the date and time as YYYY-MM-DD HH:MM "
                "(24 h), e.g. {example}.",
    "now": "Now",
    "bad_time": "Please type the date and time as YYYY-MM-DD HH:MM (years {first} to {last}), "
                "e.g. {example}.",
    "infused_future": "{date} is in the future: record the infusion once it has been given.",
    "before_enrolment": "{date} is before the enrolment of {number} ({on}).",
    "after_withdrawal": "{date} is after the withdrawal of {number} ({on}).",
    "after_onset": "{date} is after the onset of an event already reported for {number} ({on}): "
                   "check the date, or the report.",
    "too_early": "{date} is too early: the protocol spaces infusions, the earliest date is "
                 "{earliest}.",
    "ask_drug": "{drug} (lymphodepletion): first and last day? Type them as YYYY-MM-DD "
                "YYYY-MM-DD (one date for a single day), or press a button.",
    "drugs": {"fludarabine": "Fludarabine", "cyclophosphamide": "Cyclophosphamide"},
    "not_given": "Not given",
    "same_days": "Same days as fludarabine",
    "bad_dates": "Please type the first and last day as YYYY-MM-DD YYYY-MM-DD (years {first} to "
                 "{last}), e.g. {example}.",
    "end_before_start": "The last day ({date}) comes before the first: please type the first "
                        "day first.",
    "after_infusion": "{date} is after the infusion ({infusion}): lymphodepletion comes before "
                      "it.",
    "too_long_before": "{date} is more than {max_days} days before the infusion ({infusion}): "
                       "please check it.",
    "ask_cells": "CAR+ T cells actually infused? Planned: {total}. Press the button if all of it "
                 "was infused, or type the number, e.g. {example}.",
    "as_planned": "All of it: {total}",
    "summary": "Record this infusion?\n{number} ({label})\n"
               "Infused: {at}\n"
               "Fludarabine: {fludarabine}\n"
               "Cyclophosphamide: {cyclophosphamide}\n"
               "Cells infused: {cells} of {total} planned ({percent})\n"
               "DLT window until: {old_end} → {new_end} (from the infusion)"
               "{notes}",
    "days": "{start} to {end}",
    "one_day": "{start}",
    "below_minimum": "⚠ Less than {minimum} of the target dose: not evaluable for DLT, the place "
                     "will be refilled.",
    "above_target": "⚠ More than the planned dose.",
    "outcome_change": "For the 3+3: {before} → {after}.",
    "outcomes": {"N": "evaluable, no DLT", "T": "DLT", "P": "in the DLT window",
                 "X": "not evaluable"},
    "then": "3+3 then: {reason}",
    "then_conflict": "⚠ After this the 3+3 history would no longer fit the design ({error}). "
                     "An investigator must review the escalation.",
    "saved": "Saved: {number} infused {at}, {cells} CAR+ T cells ({percent} of the target). "
             "DLT window until {window_end}.{meaning}\n3+3 now: {now}",
    "to_confirm": "An investigator must confirm the next step: {step}.",
    "alert": "Infusion recorded: {number} ({label}) on {at}, {cells} CAR+ T cells ({percent} "
             "of {total} planned); DLT window until {window_end}. Recorded by {who}.{below}",
    "alert_below": " Less than {minimum} of the target dose: not evaluable for DLT, replaced.",
    "history_conflict": "After the infusion of {number} was recorded, the 3+3 history no longer "
                        "fits the design ({error}). Review the escalation before enrolling "
                        "anyone.",
    "refused": "Not saved: {reason}",
    "use_buttons": "Please answer with the buttons above, or /cancel.",
    "cancelled": "Stopped: nothing was saved.",
    "nothing_open": "There is no infusion record in progress.",
}

# The end of a DLT window confirmed by an investigator (/evaluate, buttons in /status and
# /participant, and on the reminders).
EVALUATION = {
    "usage": "Whose DLT window do you confirm? e.g. /evaluate P-03",
    "awaiting": "DLT windows ended, evaluation not confirmed:",
    "nobody": "No DLT window is awaiting its evaluation.",
    "item": "{number} ({label}): window ended {end}",
    "item_not_infused": "{number} ({label}): window ended {end} as planned; record the infusion "
                        "first (/infuse {number})",
    "button": "✅ {number}: DLT window completed, no DLT",
    "facts": "{number} ({label}): infused {infused}, DLT window until {end}; {reports}.\n"
             "Confirm that the DLT window completed without a DLT? From then on the 3+3 counts "
             "{number} as evaluable, no DLT.",
    "reports": {"zero": "no toxicity reported", "one": "1 report, not a DLT",
                "other": "{count} reports, none a DLT"},
    "confirmed": "✅ {who} confirmed: {number} DLT window completed, no DLT.\n3+3 now: {now}",
    "already": "Already confirmed by {who} on {when}.",
    "role": "Only an investigator can confirm a DLT evaluation.",
    "alert": "DLT window completed without a DLT: {number} ({label}), window until "
             "{window_end}; confirmed by {who}.",
    "history_conflict": "After the evaluation of {number}, the 3+3 history no longer fits the "
                        "design ({error}). Review the escalation before enrolling anyone.",
}


# /expansion DL1: an investigator opens case expansion once dose escalation is over.
EXPANSION = {
    "usage": "Which dose level? e.g. /expansion {example}\nCase expansion may be opened at: "
             "{levels}.",
    "usage_none": "Case expansion cannot be opened now: {reason}",
    "no_level": "There is no dose level {typed} in {protocol} (dose levels {levels}).",
    "question": "Open case expansion at {label} ({dose} CAR+ T cells/kg)?\n"
                "Participants enrolled in it are not DLT-evaluated and do not change the 3+3 "
                "decisions; {left} under the cap of {cap}. Coordinators then enrol them with "
                "/enroll.",
    "replaces": "Case expansion is open at {label} now (opened by {who} on {when}): confirming "
                "moves it, for the next participants, to {new}.",
    "opened": "Case expansion is open at {label}. Coordinators enrol into it with /enroll; "
              "{left} under the cap of {cap}.",
    "refused": "Case expansion not opened: {reason}\nNothing was saved.",
    "cancelled": "Case expansion not opened. Start again with /expansion {label}.",
    "nothing_open": "There is no case expansion being opened.",
    "use_buttons": "Please answer with the buttons above, or /cancel.",
    "alert_opened": "{who} opened case expansion at {label}: coordinators enrol into it with "
                    "/enroll ({places} of {cap} places left). Its participants are not "
                    "DLT-evaluated.",
    # /status
    "status_open": "Case expansion open at {label} (opened by {who} on {when}).",
    "status_level": "Case expansion at {label}, not DLT-evaluated: {who}.",
}

# The investigator's confirmation of a 3+3 step (a button in /status and under reports).
CONFIRMATION = {
    "step_confirmed_alert": "{who} confirmed the 3+3 step: {step}.",
    "step": {"escalate": "escalate to {label}", "de-escalate": "de-escalate to {label}",
             "expand": "expand {label}", "mtd": "{label} is the MTD",
             "top-dose-cleared": "{label}, the top dose, is cleared",
             "no-tolerated-dose": "no dose level is tolerated",
             "cap-reached": "dose escalation ends at the cap"},
    "confirm_button": "✅ Confirm: {step}",
    "to_confirm": "An investigator must confirm the next step: {step}.",
    "confirm_role": "Only an investigator can confirm a 3+3 step.",
    "confirm_stale": "That step is no longer current. Now: {reason}",
    "confirm_done_already": "Already confirmed: {step}.",
    "confirmed": "{text}\n\n✅ Confirmed by {who}: {step}.",
    "confirmed_stale": "{text}\n\n(No longer current.)",
    "history_error": "The escalation history does not fit the protocol ({error}). Nothing can "
                     "be enrolled until an investigator has reviewed it.",
}

# Alerts as they are sent (handlers/alert_words.py words an alert's kind and parameters) and
# acknowledged (the button under each, /alerts). The texts of the alerts raised by the forms
# are in their conversations' dictionaries (alert_dlt, alert, ...) and in REASONS ("alert.*").
ALERTS = {
    "icons": {"windows-ending": "⏰", "evaluation-overdue": "⏰", "form-open": "⏰",
              "undeliverable": "⚠"},
    "icon": "🔔",
    # the alerts the forms do not word themselves
    "places_left": "Only {left} of the {cap} places are left under the cap (after the enrolment "
                   "of {participant}): plan the last enrolments with the investigators.",
    "windows_ending": "DLT windows ending: {who}. Check each participant for DLTs before the "
                      "window closes; report one with /dlt.",
    "window_ending": "{number} ({label}) {when}",
    "today": "today ({end})",
    "tomorrow": "tomorrow ({end})",
    "evaluation_overdue": "DLT evaluation overdue: the window has ended with no DLT recorded for "
                          "{who}. Check that no DLT is missing (a late one is reported with "
                          "/dlt), then confirm the evaluation with /evaluate.",
    "overdue": "{number} ({label}, ended {end})",
    "form_open": "Your {form} has been open since {opened}. Continue where you stopped, or "
                 "/cancel to close it.",
    "forms": {"screening": "screening form (/screen)", "enrollment": "enrolment form (/enroll)",
              "dlt": "DLT report (/dlt)", "withdrawal": "withdrawal form (/withdraw)",
              "revision": "DLT revision (/revise)",
              "reschedule": "infusion date change (/reschedule)"},
    "form": "{name} form",
    "undeliverable": "Alerts cannot reach {who}: Telegram answered “{error}”. They may "
                     "have blocked the bot or never pressed Start in it; until they do, they "
                     "get no alerts.",
    "undeliverable_person": "{who} (user id {chat})",
    "undeliverable_group": "the alert group chat {chat} (TRIALBOT_ALERT_CHAT)",
    # what a report's alert says besides (investigators' copies)
    "onset_day": "Onset on day {day} after the infusion.",
    "now": "3+3 now: {reason}",
    # the coordinators' version of a 3+3 step: the step and the participant, nothing clinical
    "step": {
        "cohort-must-expand": "3+3 step{after}: expand {label} to {full} participants; enrol "
                              "there once an investigator has confirmed it.",
        "dose-exceeds-mtd": "3+3 step{after}: {label} exceeds the MTD; nobody more is enrolled "
                            "at {label}.",
        "de-escalate": "3+3 step{after}: de-escalate to {label} and enrol there until {full} "
                       "are evaluable, once an investigator has confirmed it.",
        "escalation-allowed": "3+3 step{after}: escalation to {label} is allowed; enrol at "
                              "{label} once an investigator has confirmed it.",
        "mtd-declared": "3+3 step{after}: {label} is the MTD; dose escalation is complete and "
                        "nobody more is enrolled for it.",
        "no-tolerated-dose": "3+3 step{after}: no dose level is tolerated; dose escalation "
                             "stops and nobody more is enrolled.",
        "top-dose-cleared": "3+3 step{after}: {label}, the highest dose level, is cleared; dose "
                            "escalation is complete and the investigators decide what follows.",
        "history-conflict": "3+3 step{after}: the escalation history needs an investigator's "
                            "review; enrol nobody until then.",
        "cap-stops-step": "3+3 step{after}: the places left under the cap cannot complete the "
                          "step at {label}; the investigators decide how to go on.",
        "escalation-ended-at-cap": "3+3 step{after}: dose escalation ended at the cap of "
                                   "participants; nobody more is enrolled for it.",
    },
    "after": " after {number}",
    # the alert group's copy: what happened and to whom, by participant number only
    "group": "{title}{numbers}. The details are in your private chat with the bot.",
    "group_numbers": ": {numbers}",
    "titles": {
        "enrolled": "New participant", "dlt": "DLT reported",
        "dlt-revised": "DLT judgement revised", "withdrawn": "Participant withdrawn",
        "infusion-moved": "Infusion date moved", "step-confirmed": "3+3 step confirmed",
        "history-conflict": "3+3 history needs review",
        "cohort-must-expand": "3+3 step changed", "dose-exceeds-mtd": "3+3 step changed",
        "de-escalate": "3+3 step changed", "escalation-allowed": "3+3 step changed",
        "mtd-declared": "3+3 step changed", "no-tolerated-dose": "3+3 step changed",
        "top-dose-cleared": "3+3 step changed",
        "intermediate-dose-may-be-chosen": "3+3 choice for the investigators",
        "cap-reached": "Enrolment cap reached", "places-left": "Few places left",
        "windows-ending": "DLT windows ending", "evaluation-overdue": "DLT evaluation overdue",
        "cap-stops-step": "The cap will stop a 3+3 step",
        "escalation-ended-at-cap": "Dose escalation ended at the cap",
        "expansion-opened": "Case expansion opened",
        "infused": "Infusion recorded", "dlt-evaluated": "DLT window completed",
    },
    "title": "Trial alert",
    # acknowledging
    "acknowledged": "✔ Acknowledged by {who} on {when}.",
    "acknowledge_button": "✔ Acknowledge",
    "thanks": "Acknowledged: the other recipients see it too.",
    "already": "Already acknowledged by {who} on {when}.",
    "role": "Only an investigator can acknowledge an alert.",
    "list_title": {"zero": "No alert is waiting for acknowledgement.",
                   "one": "1 alert nobody has acknowledged yet:",
                   "other": "{count} alerts nobody has acknowledged yet, oldest first:"},
    "list_item": "#{id} · {when}\n{text}",
    "list_more": "… and {more} more: acknowledge these first, then /alerts again.",
    "list_button": "✔ Acknowledge #{id}",
}

# --- what the domain says (domain/reasons.py), put into words by handlers/wording.py ----------
# code -> template filled with the reason's parameters (str.format); a dict of "zero" / "one" /
# "other" forms is picked by the `count` parameter; "{months:plural month}" writes "1 month",
# "2.5 months"; "{shown:unit}" the unit of a quantity ("15 ×10^9/L" -> "×10^9/L"). How a list
# parameter is joined, by the field's format spec ("{units:or}"):
LIST_STYLES = {"": ", ", "or": " or ", "plus": " + ", "semicolons": "; "}
# "{months:plural month}": a number with its counted word, by the reader's plural rules.
COUNTED = {
    "month": {"one": "{count} month", "other": "{count} months"},
    "week": {"one": "{count} week", "other": "{count} weeks"},
    "system": {"one": "{count} system", "other": "{count} systems"},
}
# Code words a reason carries as parameters (handlers/wording.py TERM_PARAMETERS: a unit, the
# drugs, the antibodies): said as written here; a code not listed is shown as it is (U/L).
TERMS = {
    "years": "years", "months": "months", "weeks": "weeks", "days": "days",
    "mg/day": "mg/day", "points": "points", "ratio": "ratio",
    "glucocorticoid": "glucocorticoid", "immunosuppressant": "immunosuppressant",
    "biologic": "biologic",
    "prednisone": "prednisone", "prednisolone": "prednisolone",
    "methylprednisolone": "methylprednisolone", "triamcinolone": "triamcinolone",
    "hydrocortisone": "hydrocortisone", "cortisone": "cortisone",
    "dexamethasone": "dexamethasone", "betamethasone": "betamethasone",
    "anti-dsDNA": "anti-dsDNA", "anti-Sm": "anti-Sm",
}

REASONS = {
    # a typed quantity refused (domain/units.py)
    "units.not_a_number": "Please type a number, e.g. {example}.",
    "units.too_long": "That number has more than {most} digits: please check it and type it "
                      "again, e.g. {example}.",
    "units.separators": "Please type {number} without thousands separators and with at most one "
                        "decimal point, e.g. {example}.",
    "units.ambiguous": "{number} could be {decimal} or {thousands}: please type {thousands} or "
                       "{decimal}, without a thousands separator.",
    "units.in_pieces": "Please type the number in one piece, without spaces inside it, e.g. "
                       "{example}.",
    "units.exponent": "Please type the number in full, without 'e' notation, e.g. {example}.",
    "units.minus_zero": "Please type 0 without a minus sign, or the value you meant, e.g. "
                        "{example}.",
    "units.whole": "Please type a whole number, e.g. {example}.",
    "units.implausible": "{number} {unit} is outside {low}-{high} {canonical}: probably a typo or "
                         "the wrong unit. Please check and type it again.",
    "units.unit_missing": "Please add the unit ({units:or}), e.g. {example}.",
    "units.unit_unknown": "'{typed}' is not a unit I accept here. Use {units:or}, e.g. {example}.",
    # a screening answer refused (domain/questions.py)
    "answer.choose_one": "Please choose one of: {choices}.",
    "answer.unknown_items": "Unknown item: {items}.",
    "answer.unnamed_values": "Only one value may go without its name (it answers the question "
                             "shown): please name the others, e.g. ALT 48 AST 35. Nothing was "
                             "saved from that message.",
    "answer.press_rows": "Please answer with the buttons, one on each row (or name each value, "
                         "where the question says how).",
    "answer.other_section": "not saved: it is asked in another part of the screening, please "
                            "send it there",
    "answer.not_applicable": "not saved: it is not asked of this candidate",
    "answer.named_twice": {
        "one": "One value is named twice: please send it once. Nothing was saved from that "
               "message.",
        "other": "{count} values are named twice: please send each once. Nothing was saved "
                 "from that message.",
    },
    "answer.clinical_above_total": "The clinical SLEDAI-2K ({clinical}) cannot be higher than "
                                   "the SLEDAI-2K total ({total}).",
    # an infused dose typed (domain/dosing.py)
    "dosing.cells_unreadable": "Please type the number of cells as on the product label, e.g. "
                               "{example}.",
    "dosing.cells_implausible": "That is not a plausible number of infused cells (more than 0, "
                                "at most {most}): please check it.",
    "answer.clinical_above_most": "The clinical SLEDAI-2K ({clinical}) cannot be higher than "
                                  "{most}: only the urine and laboratory items ({excluded} "
                                  "points) are left out of the 105.",
    "answer.difference_above_excluded": "A clinical SLEDAI-2K of {clinical} cannot go with a "
                                        "total of {total}: the {difference} points between "
                                        "them are more than the {excluded} the urine and "
                                        "laboratory items can add. Check both scores.",
    # a DLT suggestion (domain/dlt.py)
    "dlt.onset_before_infusion": "onset before the infusion ({infusion})",
    "dlt.onset_after_window": "onset after the DLT window (ended {window_end})",
    "dlt.not_related": "{attribution} to the study treatment (a DLT is at least possibly "
                       "related)",
    "dlt.no_rule": "no DLT rule covers {event}",
    "dlt.below_definition": "grade {grade} {event} is below the DLT definition (from grade "
                            "{lowest})",
    "dlt.rule": "{rule}",
    "dlt.check_rule": "check: {rule}",
    "dlt.event.crs": "CRS",
    "dlt.event.icans": "ICANS",
    "dlt.event.cytopenia": "cytopenia",
    "dlt.event.infection": "infection",
    "dlt.event.other": "other event",
    "dlt.attribution.unrelated": "unrelated",
    "dlt.attribution.unlikely": "unlikely",
    "dlt.attribution.possible": "possible",
    "dlt.attribution.probable": "probable",
    "dlt.attribution.definite": "definite",
    # eligibility (domain/eligibility.py): what a criterion was judged on ...
    "eligibility.value.answer": "{answer}",
    "eligibility.value.number": "{value}",
    "eligibility.value.quantity": "{value} {unit}",
    "eligibility.value.lab_uln": "{shown} = {times}×ULN (ULN {uln})",
    "eligibility.value.points": "{points} points",
    "eligibility.value.ana_entry_not_met": "ANA entry not met",
    "eligibility.value.drugs": "{drugs:plus}",
    "eligibility.value.no_drugs": "none",
    "eligibility.value.no_glucocorticoid": "no glucocorticoid",
    "eligibility.value.prednisone_equivalent": "{dose} mg/day {drug} = {equivalent} mg/day "
                                               "prednisone",
    "eligibility.value.prednisone_dose": "{dose} mg/day prednisone",
    "eligibility.value.positive": "{names}",
    "eligibility.value.all_negative": "all negative",
    "eligibility.value.sledai": "{total} / clinical {clinical}",
    "eligibility.value.bilag": "{a} A, {b} B",
    "eligibility.value.clearance": "CrCl {clearance} mL/min",
    "eligibility.value.not_of_childbearing_potential": "not of childbearing potential",
    "eligibility.value.negative": "negative",
    "eligibility.value.not_negative": "not negative",
    "eligibility.value.not_of_reproductive_potential": "not of reproductive potential",
    # ... and why it is met, not met or not applicable
    "eligibility.not_answered": "Not answered yet",
    "eligibility.consent_signed": "Informed consent signed",
    "eligibility.consent_missing": "No signed informed consent",
    "eligibility.age_within": "Age {age} is within {low}-{high}",
    "eligibility.age_outside": "Age {age} is outside {low}-{high}",
    "eligibility.sle_eular_acr_2019": "SLE by the 2019 EULAR/ACR criteria",
    "eligibility.sle_slicc_2012": "SLE by the 2012 SLICC criteria",
    "eligibility.sle_neither": "SLE not classified by 2019 EULAR/ACR or 2012 SLICC",
    "eligibility.ana_entry_not_met": "2019 EULAR/ACR entry criterion not met (ANA ≥1:80 on HEp-2 "
                                     "never)",
    "eligibility.eular_no_clinical": "2019 EULAR/ACR: no clinical criterion",
    "eligibility.eular_score": "2019 EULAR/ACR score {points} {sign} {threshold}",
    "eligibility.treatment_met": "{drugs} for {months:plural month}, stable "
                                 "{weeks:plural week}, disease still active",
    "eligibility.treatment_problems": "{problems:semicolons capital}",
    "eligibility.problem.not_combined": "needs a glucocorticoid combined with an "
                                        "immunosuppressant and/or biologic",
    "eligibility.problem.treated_briefly": "treated {months:plural month} < "
                                           "{minimum:plural month}",
    "eligibility.problem.dose_not_stable": "dose stable {weeks:plural week}, needs > "
                                           "{minimum:plural week}",
    "eligibility.problem.no_longer_active": "disease no longer active",
    "eligibility.no_glucocorticoid": "No glucocorticoid (judged in 4)",
    "eligibility.glucocorticoid_combined": "{dose}; combined, so no minimum dose",
    "eligibility.glucocorticoid_alone": "{dose} {sign} {minimum} mg/day prednisone (not "
                                        "combined)",
    "eligibility.antibodies_positive": "Positive: {names}",
    "eligibility.antibodies_negative": "ANA, anti-dsDNA and anti-Sm all negative",
    "eligibility.sledai_clinical_above_total": "Clinical SLEDAI-2K {clinical} is higher than the "
                                               "SLEDAI-2K total {total}: correct one of them",
    "eligibility.sledai_clinical_above_most": "Clinical SLEDAI-2K {clinical} is higher than "
                                              "{most}, the most without the urine and "
                                              "laboratory items: correct it",
    "eligibility.sledai_difference_above_excluded": "SLEDAI-2K {total} and clinical SLEDAI-2K "
                                                    "{clinical} differ by {difference}, more "
                                                    "than the {excluded} points of the urine and "
                                                    "laboratory items: correct one of them",
    "eligibility.sledai": "SLEDAI-2K {total} {total_sign} {total_min}, clinical SLEDAI-2K "
                          "{clinical} {clinical_sign} {clinical_min}",
    "eligibility.bilag_met": "BILAG-2004: {a:plural system} A, {b} B (meets ≥{min_a} A or "
                             "≥{min_b} B)",
    "eligibility.bilag_not_met": "BILAG-2004: {a:plural system} A, {b} B (needs ≥{min_a} A or "
                                 "≥{min_b} B)",
    "eligibility.pga": "PGA {pga} {sign} {minimum}",
    "eligibility.lab": "{lab} {shown} {sign} {limit} {shown:unit}",
    "eligibility.lab_uln": "{lab} {shown} {sign} {limit}×ULN",
    "eligibility.gilbert": "{lab}, allowed: Gilbert syndrome",
    "eligibility.clearance": "{lab}; creatinine clearance (Cockcroft-Gault) {clearance} mL/min "
                             "{sign} {minimum} mL/min",
    "eligibility.either": "{first}; {second}",
    "eligibility.not_applicable_male": "Not applicable (male)",
    "eligibility.not_of_childbearing_potential": "Not of childbearing potential",
    "eligibility.pregnancy_negative": "Pregnancy test negative",
    "eligibility.pregnancy_not_negative": "Pregnancy test not negative",
    "eligibility.consents_contraception": "Consents to highly effective contraception",
    "eligibility.no_consent_contraception": "Does not consent to highly effective contraception",
    "eligibility.consents_barrier": "Consents to barrier contraception and no semen or sperm "
                                    "donation",
    "eligibility.no_consent_barrier": "Does not consent to barrier contraception and no semen or "
                                      "sperm donation",
    "eligibility.not_of_reproductive_potential": "Not of reproductive potential",
    # an exclusion criterion of the protocol file (its title in the file's words)
    "eligibility.excluded_answer": "{title}: {answer}, which excludes the candidate",
    "eligibility.clear_answer": "{title}: {answer}, not excluded",
    "eligibility.excluded_value": "{title}: {shown} {sign} {limit} {unit}, which excludes the "
                                  "candidate",
    "eligibility.clear_value": "{title}: {shown} {sign} {limit} {unit}, not excluded",
    "eligibility.exclusion_not_applicable": "{title}: not applicable ({sex})",
    # what a verdict rests on
    "eligibility.summary.eligible": {
        "one": "Inclusion criteria {first}-{last} met; the exclusion criterion does not apply",
        "other": "Inclusion criteria {first}-{last} met; none of the {count} exclusion criteria "
                 "applies",
    },
    "eligibility.summary.eligible_unconfigured": "Inclusion criteria {first}-{last} met; no "
                                                 "exclusion criteria are configured: check the "
                                                 "full protocol",
    "eligibility.summary.unconfigured": "No exclusion criteria are configured: check the full "
                                        "protocol",
    "eligibility.lab_name.alt": "ALT",
    "eligibility.lab_name.ast": "AST",
    "eligibility.lab_name.bilirubin": "Total bilirubin",
    "eligibility.lab_name.creatinine": "Creatinine",
    "eligibility.lab_name.neutrophils": "Neutrophils",
    "eligibility.lab_name.haemoglobin": "Haemoglobin",
    "eligibility.lab_name.platelets": "Platelets",
    "eligibility.lab_name.lymphocytes": "Lymphocytes",
    "eligibility.lab_name.inr": "INR",
    "eligibility.lab_name.pt": "PT",
    "eligibility.lab_name.spo2": "SpO2",
    "eligibility.lab_name.lvef": "LVEF",
    # the 3+3 design (domain/escalation.py): a level's tally ...
    "escalation.tally": "{dlts} in {evaluable}{pending}{not_evaluable}",
    "escalation.tally_none_evaluable": "no evaluable participant yet{pending}{not_evaluable}",
    "escalation.dlts": {"zero": "no DLT", "one": "1 DLT", "other": "{count} DLTs"},
    "escalation.evaluable": {"one": "1 evaluable participant",
                             "other": "{count} evaluable participants"},
    "escalation.pending": {"zero": "", "other": ", {count} still in the DLT window or awaiting "
                                                "its evaluation"},
    "escalation.not_evaluable": {"zero": "", "other": ", {count} not evaluable (replaced)"},
    # ... the reason for what it asks now (by action) ...
    "escalation.reason.start": "No participant yet: dose escalation starts at {level} with "
                               "{size} participants.",
    "escalation.reason.enroll": {
        "one": "{level}: {tally}; 1 place open: enrol the next participant at {level}.",
        "other": "{level}: {tally}; {count} places open: enrol the next participant at {level}.",
    },
    "escalation.reason.escalate": "{cleared} cleared ({tally}): escalate to {level} ({count} of "
                                  "{size} places open).",
    "escalation.reason.expand": {
        "one": "{level}: {tally}: expand {level} to {full} (1 place open).",
        "other": "{level}: {tally}: expand {level} to {full} ({count} places open).",
    },
    "escalation.reason.de-escalate": {
        "one": "{above} exceeds the MTD ({tally}): de-escalate, expanding {level} to {full} "
               "(1 place open).",
        "other": "{above} exceeds the MTD ({tally}): de-escalate, expanding {level} to {full} "
                 "({count} places open).",
    },
    "escalation.reason.wait": {
        "zero": "{level}: {tally}; every place is taken: wait for the DLT windows still open and "
                "their evaluation.",
        "one": "{level}: {tally}; 1 more participant needed.",
        "other": "{level}: {tally}; {count} more participants needed.",
    },
    "escalation.reason.mtd": "{level} is the MTD: {tally}; {above} exceeds the MTD "
                             "({above_tally}).",
    "escalation.reason.top-dose-cleared": "{level}, the highest dose level, cleared ({tally}): "
                                          "dose escalation is complete without reaching the MTD.",
    "escalation.reason.no-tolerated-dose": "{level}, the lowest dose level, exceeds the MTD "
                                           "({tally}): no tolerated dose; dose escalation stops.",
    "escalation.reason.cap_reached": "{reason} The cap of {cap} participants is reached: no "
                                     "further enrolment.",
    "escalation.reason.cap-reached": "All {cap} places are taken and no DLT window is open at "
                                     "{level} ({tally}): dose escalation ends at the cap before "
                                     "{level} is decided; {recommended}.",
    "escalation.places_left": {"zero": "no place is left", "one": "1 place is left",
                               "other": "{count} places are left"},
    "escalation.participants_needed": {"one": "1 more participant",
                                       "other": "{count} more participants"},
    "escalation.at_cap.level": "{level}, the highest dose level cleared ({tally}), is the dose "
                               "recommended",
    "escalation.at_cap.none": "no dose level has been cleared: no dose is recommended",
    "escalation.then.de-escalate": "De-escalate: expand {level} to {full}.",
    "escalation.then.mtd": "{level} has {full} evaluable participants with at most 1 DLT: it is "
                           "the MTD.",
    "escalation.then.no-tolerated-dose": "There is no lower dose level: no tolerated dose.",
    # ... the investigators' alerts (by kind) ...
    "alert.escalation-allowed": "{cleared} cleared: {tally}. Escalate: enrol the next {size} "
                                "participants at {level}.",
    "alert.cohort-must-expand": "{level}: {tally}. Expand {level} to {full} participants.",
    "alert.dose-exceeds-mtd": "{level} exceeds the MTD: {tally}. {then}",
    "alert.de-escalate": "De-escalate to {level}: enrol participants at {level} until {full} are "
                         "evaluable (now {evaluable}).",
    "alert.intermediate-dose-may-be-chosen": "{top}, the highest dose level, exceeds the MTD: the "
                                             "investigators may instead choose a dose between "
                                             "{lower} and {top} and evaluate it (a protocol "
                                             "amendment adds the level).",
    "alert.mtd-declared": "{level} is the MTD: {tally}; {above} exceeds the MTD. Dose escalation "
                          "is complete.",
    "alert.top-dose-cleared": "{level}, the highest dose level, cleared: {tally}. Dose escalation "
                              "is complete without reaching the MTD; the investigators may "
                              "explore a higher dose or start case expansion (at most {cap} "
                              "participants in total).",
    "alert.no-tolerated-dose": "{level}, the lowest dose level, exceeds the MTD: no tolerated "
                               "dose. Stop dose escalation.",
    "alert.cap-stops-step": "{level} ({tally}) still needs {needed} for the step in progress, but "
                            "{left} under the cap of {cap}: the cap will stop dose escalation "
                            "before {level} is decided. If it does, {recommended}.",
    "alert.escalation-ended-at-cap": "Dose escalation ends at the cap of {cap} participants: "
                                     "every place is taken, no DLT window is open and {level} "
                                     "was not decided ({tally}); {recommended}.",
    "alert.cap-reached": "{cap} participants enrolled: the cap of {cap} (dose escalation and case "
                         "expansion together) is reached. No further enrolment.",
    # ... and why a history is refused
    "history.unreadable": "cannot read {token!r}: a cohort is a dose level number followed by "
                          "one letter per participant, as in 1NNT",
    "history.no_letters": "cannot read {token!r}: dose level {level} is not followed by any "
                          "outcome letter (N, T, P or X)",
    "history.unknown_letter": "unknown outcome letter {letter!r} in {token!r}: use N (no DLT), T "
                              "(DLT), P (DLT window still open) or X (not evaluable)",
    "history.no_such_level": "participant {number}: {level} does not exist in {protocol} (dose "
                             "levels {levels})",
    "history.over_cap": "participant {number} is over the cap: at most {cap} participants in "
                        "{protocol}, dose escalation and case expansion together",
    "history.too_many_evaluated": "participant {number}: {evaluated} participants evaluated at "
                                  "{level}: at most {full}",
    "history.after_end": "participant {number} was enrolled at {level} for DLT evaluation after "
                         "dose escalation had ended ({end}); later participants are case "
                         "expansion (written {written}...)",
    "history.places_taken": "participant {number} was enrolled at {level} while all {target} "
                            "places at {current} were taken and DLT windows were still open "
                            "({token})",
    "history.level_cleared": "participant {number} was enrolled at {level}, but {level} had "
                             "already been cleared ({token}); the next participants go to "
                             "{current} ({needs})",
    "history.level_exceeds_mtd": "participant {number} was enrolled at {level}, but {level} "
                                 "exceeds the MTD ({token}); the next participants go to "
                                 "{current}",
    "history.starts_at": "participant {number} was enrolled at {level}: dose escalation starts "
                         "at {current}",
    "history.one_at_a_time": "participant {number} was enrolled at {level}, but dose levels are "
                             "opened one at a time: the next is {current}",
    "history.undecided": "participant {number} was enrolled at {level} while {current} was still "
                         "undecided ({needs})",
    "history.expansion_too_early": "participant {number} is a case-expansion participant at "
                                   "{level}, but dose escalation was not complete ({current} was "
                                   "still undecided: {needs})",
    "history.expansion_no_dose": "participant {number} is a case-expansion participant at "
                                 "{level}, but {end} (DL1 exceeds the MTD)",
    "history.expansion_above": "participant {number} is a case-expansion participant at {level}, "
                               "above the dose the design recommends ({end})",
    "history.needs.nobody": "no participant at {level} yet",
    "history.needs.windows_open": "{token}: DLT windows still open",
    "history.needs.evaluable": "{token} needs {size} evaluable participants first",
    "history.needs.expansion": "{token} needs expansion to {full} first",
    "history.needs.de_escalation": "{token} needs expansion to {full} first (de-escalation)",
    "history.end.mtd": "{level} is the MTD",
    "history.end.top-dose-cleared": "the top dose {level} was cleared",
    "history.end.no-tolerated-dose": "no dose level is tolerated",
    # a scenario the simulation cannot run (domain/simulation.py)
    "simulation.rate_unreadable": "'{typed}' is not a probability: type it as 0.25 or 25%.",
    "simulation.rate_outside": "{typed} is not a probability from 0 to 1: type 0.25 or 25%.",
    "simulation.rates_count": "Give one true DLT rate per dose level, {count} in all, DL1 first "
                              "({given} given).",
    "simulation.dropout_outside": "The dropout probability must be at least 0 and below 1 "
                                  "({typed} given).",
    "simulation.trials_outside": "The number of simulated trials must be from 1 to {most:,}.",
    # What the use cases refuse (storage.usecases raise Refused; domain.reasons.REFUSALS lists
    # them all). Generic words: a conversation may say some of them its own way.
    "refusal.not_staff": "Sorry, this bot serves registered trial staff only.",
    "refusal.needs_role": "This needs the {role} role; your role is {have}.",
    "refusal.unknown_role": "There is no role {role}.",
    "refusal.not_self": "You cannot deactivate yourself.",
    "refusal.no_active_staff": "No active staff member has the user id {user_id}.",
    "refusal.no_screening": "There is no screening {number}.",
    "refusal.no_participant": "There is no participant {number}.",
    "refusal.no_report": "There is no such DLT report.",
    "refusal.screening_closed": "Screening {number} is closed ({status}).",
    "refusal.screening_enrolled": "Screening {number} is enrolled as {participant}.",
    "refusal.screening_not_eligible": "Screening {number} is not eligible for enrolment "
                                      "({status}).",
    "refusal.screening_expired": "Screening {number} was done on {screened_on} and is valid "
                                 "for {days} days, until {valid_until}: it has expired. Screen "
                                 "the candidate again with /screen (a new screening number) "
                                 "and enrol that screening; /withdraw {number} closes this "
                                 "one.",
    "refusal.already_enrolled": "Screening {number} is already enrolled as {participant}.",
    "refusal.already_withdrawn": "{number} was already withdrawn on {on} ({reason}).",
    "refusal.history_unreadable": "The escalation history does not fit the protocol ({error}). "
                                  "Nothing can be enrolled until an investigator has reviewed "
                                  "it.",
    "refusal.cap_reached": "All {cap} places of the trial are taken. Now: {now}",
    "refusal.escalation_complete": "Dose escalation has ended. Now: {now}",
    "refusal.waiting_for_windows": "No place is open until DLT windows close. Now: {now}",
    "refusal.step_unconfirmed": "The 3+3 step ({action}) needs an investigator's confirmation "
                                "first.",
    "refusal.step_changed": "the 3+3 step changed while you were entering. Now: {now}",
    "refusal.step_stale": "That step is no longer current. Now: {now}",
    "refusal.step_already_confirmed": "Already confirmed: {action} {level}.",
    "refusal.expansion_too_early": "Case expansion opens only once dose escalation is over. "
                                   "Now: {now}",
    "refusal.expansion_no_dose": "No dose level may be expanded: {now}",
    "refusal.expansion_level": "Case expansion cannot be at {level}: only at a dose level the "
                               "3+3 rules cleared, at most the dose recommended ({levels}).",
    "refusal.expansion_already_open": "Case expansion is already open at {level} (opened by "
                                      "{who} on {when}).",
    "refusal.revised_meanwhile": "The DLT judgement of {number} was changed meanwhile.",
    "refusal.infusion_changed_meanwhile": "The planned infusion date of {number} was changed "
                                          "meanwhile (now {infusion}).",
    "refusal.reason_required": "A reason is needed.",
    "refusal.short_reason": "Please give the reason in a few words (at least {least} "
                            "characters).",
    "refusal.long_reason": "Please keep the reason under {most} characters.",
    "refusal.unknown_question": "There is no screening question {question}.",
    "refusal.invalid_answer": "{reason}",
    "refusal.answered_meanwhile": "{number}: that question was answered meanwhile by {who} "
                                  "({entered}).",
    "refusal.moved_on": "{number}: that question is no longer the one to answer.",
    "refusal.changed_meanwhile": "{number}: the answers changed meanwhile.",
    "refusal.no_previous_question": "This is the first question.",
    "refusal.cannot_finish": "Nothing has failed so far (questions left: {left}), so there is "
                             "nothing to finish yet.",
    "refusal.screening_incomplete": "Screening {number} is not complete (questions left: "
                                    "{left}).",
    "refusal.verdict_changed": "The verdict of {number} is no longer the one shown.",
    "refusal.nothing_to_correct": "{number}: that answer was already taken back.",
    "refusal.infusion_bad_date": "Please type the date as YYYY-MM-DD.",
    "refusal.infusion_past_date": "{date} is in the past.",
    "refusal.infusion_too_far": "{date} is more than {max_days} days ahead.",
    "refusal.infusion_too_early": "{date} is before the earliest infusion the protocol allows "
                                  "({earliest}).",
    "refusal.infusion_unchanged": "{date} is the date already planned.",
    "refusal.event_bad_date": "Please type the date as YYYY-MM-DD.",
    "refusal.event_before_infusion": "{date} is before the infusion of {number} ({infusion}).",
    "refusal.event_future": "{date} is in the future.",
    "refusal.event_after_window": "{date} is after the DLT window of {number} (it ended on "
                                  "{window_end}).",
    "refusal.reschedule_withdrawn": "{number} was withdrawn on {on}: the planned infusion date "
                                    "no longer moves.",
    "refusal.reschedule_has_reports": "{number} has a DLT report: the planned infusion date no "
                                      "longer moves.",
    "refusal.weight_unconfirmed": "{weight} kg is outside {low}-{high} kg: it needs the "
                                  "coordinator's confirmation.",
    "refusal.already_infused": "The infusion of {number} is already recorded ({at}).",
    "refusal.already_evaluated": "The evaluation of {number} was already confirmed by {who} on "
                                 "{when}.",
    "refusal.evaluation_expansion": "{number} is a case-expansion participant: not "
                                    "DLT-evaluated.",
    "refusal.evaluation_has_dlt": "{number} had a DLT in the window: there is no 'no DLT' to "
                                  "confirm.",
    "refusal.evaluation_not_evaluable": "{number} is not evaluable (withdrawn before the end of "
                                        "the window, or less than the minimum dose) and is "
                                        "replaced: there is nothing to confirm.",
    "refusal.evaluation_window_open": "The DLT window of {number} is open until {end}: confirm "
                                      "it after that day.",
    "refusal.evaluation_not_infused": "The infusion of {number} is not recorded: record it with "
                                      "/infuse {number} first (the DLT window runs from it).",
    # the infusion record (/infuse words these its own way; these are the generic words)
    "refusal.infused_after_onset": "The infusion time is after the onset of an event already "
                                   "reported for {number}.",
    "refusal.infused_after_withdrawal": "The infusion time is after the withdrawal of {number}.",
    "refusal.infused_bad_time": "Please type the date and time as YYYY-MM-DD HH:MM.",
    "refusal.infused_before_enrolment": "The infusion time is before the enrolment of {number}.",
    "refusal.infused_infused_future": "The infusion time is in the future: record the infusion "
                                      "once it has been given.",
    "refusal.infused_too_early": "The infusion is too early: the protocol spaces infusions.",
    "refusal.lymphodepletion_after_infusion": "Lymphodepletion comes before the infusion.",
    "refusal.lymphodepletion_bad_dates": "Please type the first and last day as YYYY-MM-DD "
                                         "YYYY-MM-DD.",
    "refusal.lymphodepletion_end_before_start": "The last day of lymphodepletion comes before "
                                                "the first.",
    "refusal.lymphodepletion_too_long_before": "Lymphodepletion is too long before the "
                                               "infusion: please check the dates.",
    "refusal.reschedule_infused": "The infusion of {number} is recorded: its date no longer "
                                  "moves.",
    "refusal.no_alert": "There is no alert #{alert}.",
}

globals().update(translated(globals()))  # every dict above, read in the reader's language

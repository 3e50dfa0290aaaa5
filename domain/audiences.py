"""Who an alert is worded for: investigators get it in full, coordinators the 3+3 step
without clinical detail, the alert group chat participant numbers only."""

FULL, STEP, GROUP = "full", "step", "group"
AUDIENCES = (FULL, STEP, GROUP)

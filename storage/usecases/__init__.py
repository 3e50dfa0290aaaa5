"""The trial's use cases: what staff do (screen, enrol, report a DLT, confirm a step, withdraw,
reschedule, ask the status), one layer beneath the chat, the scheduler, the shell and exports.

Each use case takes the Trial and plain arguments, runs in its own transaction (the 3+3 engine
inside it where the decision must be race-free), and returns a typed result or raises Refused
with a Reason. Nothing here knows Telegram or words.
"""

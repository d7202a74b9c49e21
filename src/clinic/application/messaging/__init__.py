"""Talking to patients: the clinic's reminder settings, planning the due reminders, sending them
once through the channels, and the patient's answer from the link (issue 19)."""

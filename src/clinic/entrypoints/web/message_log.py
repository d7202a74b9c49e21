"""The words of a send log (the visit's dialog, the patient's card), translated once a page."""

from __future__ import annotations

from flask_babel import gettext as _


def log_words() -> dict[str, dict[str, str]]:
    return {
        "kinds": {"reminder": _("Reminder"), "confirmation": _("Booking confirmation"),
                  "change": _("Change notice"), "cancellation": _("Cancellation notice"),
                  "advertising": _("Promotion")},
        "channels": {"sms": _("SMS"), "email": _("Email"), "telegram": _("Telegram")},
        "statuses": {"queued": _("waiting to be sent"), "sending": _("being sent"),
                     "sent": _("sent"), "delivered": _("delivered"),
                     "failed": _("not delivered"), "skipped": _("not sent"),
                     "unknown": _("may not have been sent")},
        "reasons": {
            "refused_notifications": _("the patient refused reminders"),
            "refused_processing": _("the patient refused the processing of personal data"),
            "refused_advertising": _("the patient refused promotions"),
            "no_channel": _("no phone or email to send to"),
            "merged": _("said in the same message as the day's other visit"),
            "patient_erased": _("the patient's card is erased"),
            "worker_stopped": _("the sending stopped half-way; not sent again"),
            "console": _("no SMS gateway: written to the server's log"),
            "sms_budget_reached": _("this month's SMS limit is used up"),
        },
        "replies": {"coming": _("I will come"), "reschedule": _("Another time"),
                    "cancel": _("Cancel the visit")},
    }

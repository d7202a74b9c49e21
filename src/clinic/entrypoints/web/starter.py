"""The names a new clinic's starter records get, in the language of the person signing up."""

from __future__ import annotations

from flask_babel import gettext as _

from clinic.application.accounts.sign_up import StarterKit


def starter_kit() -> StarterKit:
    return StarterKit(
        room_name=_("Room 1"),
        procedure_names={
            "consultation": _("Consultation"),
            "xray": _("X-ray (one tooth)"),
            "hygiene": _("Professional cleaning"),
            "caries": _("Caries treatment"),
            "filling": _("Filling (composite)"),
            "root_canal": _("Root canal treatment (one canal)"),
            "extraction": _("Tooth extraction"),
            "whitening": _("Teeth whitening"),
        },
    )

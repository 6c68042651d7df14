"""Translated texts of the feedback domain's codes (errors, channels, tones)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

NAV_FEEDBACK = _l("Customer feedback")
NAV_HANDLING = _l("Feedback handling")
NAV_REPORTS = _l("Feedback reports")

ERRORS = {
    "form_expired": _l("The form had expired. Please answer again."),
    "language_unsupported": _l("The language must be Finnish, Swedish or English."),
    "score_required": _l("Choose how likely you would recommend the service (0\u201310)."),
    "score_out_of_range": _l("The recommendation must be between 0 and 10."),
    "text_too_long": _l("The text is too long (at most %(limit)s characters)."),
    "contact_required": _l("Give a phone number or an email address so that we can contact you."),
    "contact_too_long": _l("The contact details are too long."),
    "unknown_statement": _l("The form has an unknown question."),
    "statement_out_of_range": _l("A statement must be answered 1\u20135 or \u201ccan't say\u201d."),
    "unknown_channel": _l("Unknown feedback channel."),
    "device_name_required": _l("Give the device a name."),
    "not_yours": _l("This feedback belongs to another unit."),
    "reply_required": _l("Write the reply."),
    "tone_unknown": _l("Choose a tone."),
    "title_required": _l("Give the development idea a title."),
    "case_closed": _l("The follow-up is already closed."),
    "note_required": _l("Write a closing note."),
    "contacted_in_future": _l("The contact date cannot be in the future."),
    "one_nps_question": _l("A questionnaire has exactly one recommendation question."),
    "too_many_statements": _l("A questionnaire has at most nine statements."),
    "finnish_text_required": _l("The Finnish text is required."),
    "question_code_repeated": _l("A question appears twice."),
    "control_characters": _l(
        "Remove the invisible control characters from the texts (they are not allowed)."
    ),
    "theme_code_invalid": _l("The code may have lowercase letters a\u2013z, digits and _."),
    "theme_code_taken": _l("A theme with this code exists already."),
    "phone_invalid": _l("The phone number is not valid."),
    "sms_failed": _l("The SMS could not be sent. Try again later."),
    "unit_required": _l("Choose a unit."),
    "import_not_utf8": _l("The file is not UTF-8 encoded text."),
    "import_not_csv": _l("The file is not a CSV file."),
    "import_empty": _l("The file has no rows."),
    "import_too_long": _l("The file has too many rows (at most %(limit)s)."),
    "import_column_missing": _l("The file lacks the columns %(column)s."),
    "import_unit": _l("Unknown unit, or a unit you cannot enter answers for."),
    "import_date": _l("The date must be YYYY-MM-DD and not in the future."),
    "survey_used": _l("This survey has already been answered. Thank you!"),
}


def error_message(error: Exception) -> str:
    code = getattr(error, "code", "")
    params = getattr(error, "params", {})
    template = ERRORS.get(code)
    return str(template) % params if template is not None and params else str(template or code)


def channel_labels() -> dict[str, str]:
    return {
        "web": _("Web form"),
        "kiosk": _("Kiosk"),
        "sms": _("SMS"),
        "paper": _("Paper form"),
        "import": _("Import"),
        "survey": _("Participation survey"),
    }


def tone_labels() -> dict[str, str]:
    return {"positive": _("Positive"), "neutral": _("Neutral"), "negative": _("Negative")}


def entry_labels() -> dict[str, str]:
    return {
        "respondent": _("Given by the customer"),
        "staff": _("Typed in by staff"),
        "import": _("Imported"),
    }


def dimension_labels() -> dict[str, str]:
    return {
        "unit": _("Unit"),
        "area": _("Service area"),
        "channel": _("Channel"),
        "language": _("Language of the answer"),
        "questionnaire": _("Questionnaire"),
        "month": _("Month"),
        "quarter": _("Quarter"),
        "year": _("Year"),
    }


def language_names() -> dict[str, str]:
    return {"fi": _("Finnish"), "sv": _("Swedish"), "en": _("English")}

"""Forms of the staff pages (the public answer forms are built from the questionnaire)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.core.forms import (
    Form,
    MultiCheckboxField,
    choice_list,
    line_field,
    no_markup,
    strip_filter,
)


def _one_line(label: Any, *, max_length: int, required: bool = False) -> StringField:
    """A one-line name or title without markup (staff pages keep WTForms' own messages)."""
    presence: Any = DataRequired() if required else Optional()
    return StringField(
        label, filters=[strip_filter], validators=[presence, Length(max=max_length), no_markup]
    )


class ReplyForm(Form):
    text = TextAreaField(
        _l("Reply"), filters=[strip_filter], validators=[DataRequired(), Length(max=4000)]
    )
    is_public = BooleanField(_l("Publish as \u201cyou said, we did\u201d"))


class TagsForm(Form):
    tags = line_field(_l("Tags, separated by commas"), max_length=400)


class CorrectionForm(Form):
    tone = SelectField(_l("Tone"), validators=[DataRequired()])
    themes = MultiCheckboxField(_l("Themes"), validators=[Optional()])


class IdeaForm(Form):
    title = _one_line(_l("Title of the development idea"), max_length=200, required=True)
    description = TextAreaField(
        _l("What should change"), filters=[strip_filter], validators=[Optional(), Length(max=4000)]
    )


class CloseCaseForm(Form):
    contacted_on = DateField(_l("Contacted on"), validators=[Optional()])
    note = TextAreaField(
        _l("Closing note"), filters=[strip_filter], validators=[DataRequired(), Length(max=4000)]
    )


class DeviceForm(Form):
    unit = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    name = _one_line(_l("Device name"), max_length=120, required=True)


class SmsForm(Form):
    unit = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    phone = StringField(
        _l("Phone number"), filters=[strip_filter], validators=[DataRequired(), Length(max=40)]
    )
    language = SelectField(
        _l("Language of the message"),
        choices=choice_list([("fi", "suomi"), ("sv", "svenska"), ("en", "English")]),
    )


class EntryForm(Form):
    """One paper form typed in by staff."""

    unit = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    submitted_on = DateField(_l("Date on the form"), validators=[DataRequired()])
    language = SelectField(
        _l("Language of the form"),
        choices=choice_list([("fi", "suomi"), ("sv", "svenska"), ("en", "English")]),
    )
    score = SelectField(
        _l("Recommendation (0\u201310)"),
        coerce=int,
        choices=choice_list((n, str(n)) for n in range(11)),
    )
    open_text = TextAreaField(
        _l("Open answer"), filters=[strip_filter], validators=[Optional(), Length(max=4000)]
    )


class ImportForm(Form):
    unit = SelectField(_l("Default unit"), coerce=int, validators=[Optional()])
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class ThemeForm(Form):
    code = line_field(_l("Code (letters a\u2013z, digits, _)"), max_length=40)
    name_fi = _one_line(_l("Name in Finnish"), max_length=120, required=True)
    name_sv = _one_line(_l("Name in Swedish"), max_length=120)
    name_en = _one_line(_l("Name in English"), max_length=120)
    rules_fi = TextAreaField(
        _l("Finnish lemma rules, one per line"), validators=[Optional(), Length(max=4000)]
    )
    rules_sv = TextAreaField(
        _l("Swedish lemma rules, one per line"), validators=[Optional(), Length(max=4000)]
    )
    rules_en = TextAreaField(
        _l("English lemma rules, one per line"), validators=[Optional(), Length(max=4000)]
    )
    is_active = BooleanField(_l("In use"), default=True)


class QuestionnaireForm(Form):
    title_fi = _one_line(_l("Title in Finnish"), max_length=200, required=True)
    title_sv = _one_line(_l("Title in Swedish"), max_length=200)
    title_en = _one_line(_l("Title in English"), max_length=200)

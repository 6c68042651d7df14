"""The accessibility feedback form."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.core.forms import Form, email_field, strip_filter


class AccessibilityFeedbackForm(Form):
    page = StringField(
        _l("Which page or service is it about?"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=300, message=_l("Use at most 300 characters."))],
    )
    description = TextAreaField(
        _l("Describe the problem"),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Describe the problem you met.")),
            Length(max=4000, message=_l("Use at most 4,000 characters.")),
        ],
    )
    email = email_field(_l("Your email address, if you want an answer"), required=False)

"""Extensions, created unbound here and bound to the application in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_wtf.csrf import CSRFProtect

from portal.core.db import Database

db = Database()
babel = Babel()
mail = Mail()
csrf = CSRFProtect()
login_manager = LoginManager()
# Limits are declared on the views that need them; nothing is limited by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

"""Imports every domain's models so that Alembic and the tests see the whole schema."""

from portal.accounts import models as accounts_models  # noqa: F401
from portal.core import models as core_models  # noqa: F401
from portal.core.db import Base
from portal.deliberation import models as deliberation_models  # noqa: F401
from portal.impact import models as impact_models  # noqa: F401

metadata = Base.metadata

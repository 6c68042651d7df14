"""Imports every domain's models so that Alembic and the tests see the whole schema."""

from portal.accounts import models as accounts_models  # noqa: F401
from portal.core import models as core_models  # noqa: F401
from portal.core.db import Base
from portal.councils import models as councils_models  # noqa: F401
from portal.deliberation import models as deliberation_models  # noqa: F401
from portal.experts import models as experts_models  # noqa: F401
from portal.feedback import models as feedback_models  # noqa: F401
from portal.fees import models as fees_models  # noqa: F401
from portal.impact import models as impact_models  # noqa: F401
from portal.initiatives import models as initiatives_models  # noqa: F401
from portal.panels import models as panels_models  # noqa: F401
from portal.pool import models as pool_models  # noqa: F401

metadata = Base.metadata

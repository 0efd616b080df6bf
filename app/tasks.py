"""Every task module, imported in one place so that the arq worker and the embedded runner
see all tasks and cron schedules. Add a feature's `tasks` module here when it has one."""

import app.digest.alerts.tasks  # noqa: F401
import app.digest.tasks  # noqa: F401
import app.ingest.tasks  # noqa: F401
import app.initiatives.surveys.tasks  # noqa: F401
import app.initiatives.tasks  # noqa: F401
import app.okr.tasks  # noqa: F401
import app.shops.tasks  # noqa: F401
import app.webhooks.tasks  # noqa: F401
from app.worker.tasks import registry

__all__ = ["registry"]

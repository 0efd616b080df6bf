"""Background jobs: declare a task once, run it under arq (Redis) or in-process (embedded).

from app.worker import JobContext, enqueue_after_commit, registry

@registry.task()
async def recompute(ctx: JobContext, shop_id: int) -> None: ...

enqueue_after_commit(session, recompute.job(shop.id).keyed(f"recompute:{shop.id}"))
"""

from app.worker.enqueue import enqueue_after_commit
from app.worker.jobs import Job
from app.worker.queue import JobQueue
from app.worker.tasks import JobContext, Task, TaskRegistry, registry

__all__ = [
    "Job",
    "JobContext",
    "JobQueue",
    "Task",
    "TaskRegistry",
    "enqueue_after_commit",
    "registry",
]

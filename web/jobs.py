"""A job's panel over SSE, for every kind of job (the Explorer's walk-forwards, the Portfolio
page's runs): the panel's body on every change of the job, then ``done``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.response import ServerSentEventMessage

from adapters.services.jobs import JobNotFoundError, JobView

SSE_POLL_S = 0.2  # how often the stream looks at the job: progress reaches the page within 1 s


async def job_stream(
    request: Request, job_id: str, body_template: str
) -> AsyncIterator[ServerSentEventMessage]:
    """The job panel's body on every change; ``done`` (which closes the browser's source) once
    the job has ended."""
    runner = request.app.state.jobs
    template = request.app.template_engine.get_template(body_template)
    seen = -1
    while True:
        job = runner.get(job_id)
        if job.version != seen:
            seen = job.version
            yield ServerSentEventMessage(event="progress", data=template.render(job=job))
        if not job.active:
            yield ServerSentEventMessage(event="done", data=job.state)
            return
        await asyncio.sleep(SSE_POLL_S)


def job_or_404(request: Request, job_id: str, kind: str) -> JobView:
    """The job ``job_id`` of ``kind``, else 404 (before a stream starts)."""
    try:
        job = request.app.state.jobs.get(job_id)
    except JobNotFoundError:
        job = None
    if job is None or job.kind != kind:
        raise NotFoundException(detail=f"no job {job_id!r}")
    return job

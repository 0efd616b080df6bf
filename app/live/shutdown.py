"""Live streams end as soon as the web process is told to stop.

uvicorn's graceful shutdown waits for open responses to finish, and an event stream never
does: with one browser tab open, SIGTERM would wait out the whole graceful timeout, then cancel
the stream mid-write. uvicorn tells the application nothing before its lifespan shutdown (which
comes only after the responses are done), so the web process listens to the same signals
itself: it keeps uvicorn's handler and also sets the runtime's `stopping`, which every stream
watches (`app.admin.live_stream`). The browser reconnects (the stream's `retry:`), to a process
that is still serving.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stopping_on_exit_signals(stopping: asyncio.Event) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM also set `stopping`; the handlers found (uvicorn's)
    still run and are put back on the way out. Signals belong to the main thread: anywhere
    else (an app served from a test's thread) nothing is changed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    found = {number: signal.getsignal(number) for number in EXIT_SIGNALS}

    def on_exit_signal(number: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(stopping.set)
        previous = found[signal.Signals(number)]
        if callable(previous):
            previous(number, frame)
        elif previous == signal.SIG_DFL:  # no server's handler: the signal does what it always did
            signal.signal(number, signal.SIG_DFL)
            signal.raise_signal(number)

    for number in EXIT_SIGNALS:
        signal.signal(number, on_exit_signal)
    try:
        yield
    finally:
        for number, previous in found.items():
            signal.signal(number, previous)

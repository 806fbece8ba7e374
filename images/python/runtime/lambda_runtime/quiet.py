"""The freeze guarantee: from the moment the handler returns until the next event is handed to
it, none of the function's code runs in this (the main) thread.

With one thread, posting the result and then blocking in GET /invocation/next gives most of it.
Two things could still run the function's code in the main thread in between, and are held off:
- Python-level signal handlers (signal.alarm / setitimer timers, SIGCHLD, SIGUSR1...): the
  signals are blocked and stay pending until the next event arrives. SIGTERM and SIGINT are not
  blocked: Lambda's Shutdown phase sends SIGTERM while the runtime waits for its next event.
- finalizers (__del__, weakref callbacks) of the function's objects, run by the cyclic garbage
  collector at any allocation in the runtime's own code: the collector is paused meanwhile.
Threads the function started keep running until the container is paused (docker pause)."""

import gc
import signal

_HELD = {
    getattr(signal, name)
    for name in (
        "SIGALRM",
        "SIGVTALRM",
        "SIGPROF",
        "SIGCHLD",
        "SIGIO",
        "SIGUSR1",
        "SIGUSR2",
        "SIGURG",
        "SIGWINCH",
    )
    if hasattr(signal, name)
}


class QuietWindow(object):
    def __init__(self):
        self._old_mask = None
        self._gc_was_enabled = False

    def enter(self):
        self._old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        self._gc_was_enabled = gc.isenabled()
        gc.disable()

    def leave(self):
        if self._gc_was_enabled:
            gc.enable()
        if self._old_mask is not None:
            mask, self._old_mask = self._old_mask, None
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

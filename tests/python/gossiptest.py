# gossiptest.py: what the Python binding tests share.
import time

from gi.repository import GLib

WAIT_SECONDS = 15.0


def wait_for(cond, timeout=WAIT_SECONDS):
    """Runs the default main context until cond() is true or timeout passes."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    # A periodic source keeps iteration(True) from sleeping past the deadline.
    tick = GLib.timeout_add(20, lambda: GLib.SOURCE_CONTINUE)
    try:
        while not cond():
            if time.monotonic() > deadline:
                return cond()
            ctx.iteration(True)
        return True
    finally:
        GLib.source_remove(tick)

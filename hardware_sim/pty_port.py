"""A pseudo-terminal that looks like a USB serial adapter: pyserial opens its path, the simulator holds the other end.

The slave side is put in raw mode (no echo, no line discipline: every byte passes as is) and reached through
a stable symlink, like ``/dev/serial/by-id/…`` for a real adapter, so a host can reopen the same path after
an unplug even though the kernel hands out a new ``/dev/pts/N``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import tty
from pathlib import Path


class PtyPort:
    """The device end of one pty. ``plug()`` creates it, ``unplug()`` destroys it (the host sees a hang-up)."""

    def __init__(self, link_path: str | os.PathLike[str]) -> None:
        self.link_path = Path(link_path)
        self._master: int | None = None
        self._slave: int | None = None
        self.tty_path: str | None = None
        self.dropped_bytes = 0

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> str:
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.tty_path = os.ttyname(slave)
        tmp = self.link_path.with_name(self.link_path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(self.tty_path)
        tmp.replace(self.link_path)  # atomic: the host never sees a half-made link
        return str(self.link_path)

    def unplug(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.link_path.unlink()
        # Closing the master hangs up the slave: the host's next read fails, as when a USB cable is pulled. Our
        # own slave fd (held so that reads do not fail while no host has the port open) goes too.
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        self.tty_path = None

    def write(self, data: bytes, timeout: float | None = 0.5) -> bool:
        """Send bytes to the host; waits up to ``timeout`` for room, then drops them (returns False)."""
        master = self._master
        if master is None:
            return False
        view = memoryview(data)
        while view:
            try:
                n = os.write(master, view)
                view = view[n:]
            except BlockingIOError:
                if timeout == 0:
                    break
                _r, w, _x = select.select([], [master], [], timeout)
                if not w:
                    break
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EBADF):
                    break
                raise
        if view:
            self.dropped_bytes += len(view)
            return False
        return True

    def read(self) -> bytes | None:
        """Bytes the host sent, without blocking."""
        master = self._master
        if master is None:
            return None
        try:
            return os.read(master, 4096) or None
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as exc:
            if exc.errno in (errno.EIO, errno.EBADF):
                return None
            raise

    def wait_readable(self, timeout: float) -> None:
        """Sleep until the host sends something or ``timeout`` passes (the simulator's pacing sleep)."""
        master = self._master
        if master is None or timeout <= 0:
            if timeout > 0:
                select.select([], [], [], timeout)
            return
        try:
            select.select([master], [], [], timeout)
        except (OSError, ValueError):
            # unplug() closed the master while we waited (it runs on another thread): the port is gone, which
            # the caller sees on its next read or write. The sleep is cut short, as a command would cut it.
            return

"""One writer per store: ``WriterLock`` around every ingest (``ingest.run``, the watcher)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from filelock import FileLock, Timeout

from kb.errors import LockError
from kb.settings import Settings
from kb.store import Store

log = logging.getLogger("ingest.pipeline")

LEASE_SECONDS = 120.0  # a crashed writer on another machine blocks others at most this long


class WriterLock:
    """One writer per store: a lock file in the store folder, and on a Chroma server also a lease
    record in the collection (processes on other machines cannot see the lock file)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = FileLock(str(settings.store / "ingest.lock"))
        self.token = uuid.uuid4().hex
        self.store: Store | None = None

    def __enter__(self) -> None:
        try:
            self.lock.acquire(timeout=self.settings.lock_timeout)
        except Timeout:
            self._refuse(f"waited {self.settings.lock_timeout:.0f} s")
        if self.settings.chroma_url:
            self.store = Store(self.settings)
            owner = {"token": self.token, "host": socket.gethostname(), "pid": os.getpid()}
            deadline = time.monotonic() + self.settings.lock_timeout
            while (holder := self.store.take_lease(owner, LEASE_SECONDS)) is not None:
                if time.monotonic() > deadline:
                    self.lock.release()
                    self._refuse(f"held by pid {holder.get('pid')} on {holder.get('host')}")
                time.sleep(0.5)
            self._stop = threading.Event()
            self._renewer = threading.Thread(target=self._renew, name="kb-lease", daemon=True)
            self._renewer.start()

    def _renew(self) -> None:
        """Keep the lease alive for as long as the ingest runs (a 10 MB file takes minutes)."""
        while not self._stop.wait(LEASE_SECONDS / 4):
            try:
                if not self.store.renew_lease(self.token, LEASE_SECONDS):
                    log.warning("kb ingest: the writer's lease on %s was taken over",
                                self.settings.chroma_url)
                    return
            except Exception as exc:  # the server is away: the ingest itself will report it
                log.warning("kb ingest: could not renew the writer's lease: %s", exc)

    def _refuse(self, why: str) -> None:
        where = self.settings.chroma_url or self.settings.store
        raise LockError(f"another 'kb ingest' is writing to {where} ({why}); "
                        "try again when it has finished") from None

    def __exit__(self, *exc) -> None:
        try:
            if self.store is not None:
                self._stop.set()
                self._renewer.join()
                self.store.release_lease(self.token)
        finally:
            self.lock.release()

"""The ngspice shared library through PySpice: the subclass that captures ngspice's output,
reads vectors straight from the C arrays and survives ngspice quitting; and the private
folder the library starts in (so no foreign ``.spiceinit`` runs).

PySpice is imported when the class is first built, never at import.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import logging
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from lifspice.sim.result import NgspiceNotFoundError

INSTALL_HINT = "apt-get install ngspice libngspice0 libngspice0-dev (or `make setup`)"

_PYSPICE_LOGGER = "PySpice.Spice.NgSpice.Shared.NgSpiceShared"
_UNSUPPORTED_VERSION = re.compile(r"Unsupported Ngspice version \d+")


@contextlib.contextmanager
def private_start():
    """Working folder and ``$HOME`` set to a fresh private folder whose ``.spiceinit`` is
    the kit's (empty), while ngspice starts; restored afterwards. ngspice runs the first
    ``.spiceinit`` it finds there, so a foreign one (an untrusted checkout's) never runs."""
    folder = tempfile.mkdtemp(prefix="lifspice-start-")
    Path(folder, ".spiceinit").write_text("* lifspice: no commands from foreign .spiceinit\n")
    cwd, home = os.getcwd(), os.environ.get("HOME")
    try:
        os.chdir(folder)
        os.environ["HOME"] = folder
        yield
    finally:
        os.chdir(cwd)
        if home is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = home
        shutil.rmtree(folder, ignore_errors=True)


def _drop_echo(record: logging.LogRecord) -> bool:
    """Filter for PySpice's logger: drop its copies of ngspice's output.

    PySpice logs every stderr line of ngspice at ERROR (most are notes or gmin-stepping
    chatter); the session keeps the whole output and `SimulationError` shows its tail.
    """
    return record.funcName not in ("_send_char", "load_circuit")


def _drop_unsupported_version(record: logging.LogRecord) -> bool:
    return not _UNSUPPORTED_VERSION.fullmatch(record.getMessage())


def _library_path() -> str:
    path = os.environ.get("NGSPICE_LIBRARY_PATH") or ctypes.util.find_library("ngspice")
    if not path:
        raise NgspiceNotFoundError(f"the ngspice shared library is not installed: {INSTALL_HINT}")
    return path


_class: Any = None


def pyspice_class() -> Any:
    """Build (once) the PySpice subclass; importing PySpice happens here."""
    global _class
    if _class is not None:
        return _class
    try:
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared as _PySpiceShared
        from PySpice.Spice.NgSpice.Shared import ffi
    except ImportError as exc:
        raise NgspiceNotFoundError(f"PySpice is not installed ({exc}): pip install PySpice") \
            from exc
    library = _library_path()

    class _Capturing(_PySpiceShared):  # type: ignore[misc, valid-type]
        # find_library also finds libngspice.so.0 when the unversioned -dev link is absent
        LIBRARY_PATH = library

        def __init__(self) -> None:
            self.lines: list[str] = []
            self.broken: str | None = None  # why this session can no longer run
            self.bg_done = threading.Event()
            log = logging.getLogger(_PYSPICE_LOGGER)
            # PySpice 1.5 tabulates ngspice's vector types up to version 34 and logs
            # "Unsupported Ngspice version 39" for newer ones.  We read vectors as plain
            # arrays and never use that table, and the tests check every result against
            # ngspice -b, so drop exactly that record (not the logger) while constructing.
            log.addFilter(_drop_unsupported_version)
            # for the life of the process: there is one session, and it keeps the output
            log.addFilter(_drop_echo)
            try:
                super().__init__(ngspice_id=0, send_data=False)
            except OSError as exc:
                raise NgspiceNotFoundError(
                    f"cannot load the ngspice shared library {library!r} ({exc}): {INSTALL_HINT}"
                ) from exc
            finally:
                log.removeFilter(_drop_unsupported_version)

        def send_char(self, message: str | bytes, ngspice_id: int) -> int:
            if isinstance(message, bytes):
                message = message.decode("latin-1")
            stream, _, text = message.partition(" ")
            if stream not in ("stdout", "stderr"):
                text = message
            if not text.endswith("\r"):  # progress ticker ("Reference value : ...\r")
                self.lines.append(text)
            return 0

        def send_stat(self, message: str, ngspice_id: int) -> int:
            return 0

        # ngspice calls this with False when a bg_run thread starts and True when it ends.
        # (PySpice 1.5's version returns None where cffi needs an int, which prints
        # "Exception ignored from cffi callback" on every bg_run.)
        @staticmethod
        def _background_thread_running(ended: bool, ngspice_id: int, user_data: Any) -> int:
            if ended:
                ffi.from_handle(user_data).bg_done.set()
            return 0

        @staticmethod
        def _exit(status: int, unload: bool, quit_: bool, ngspice_id: int, user_data: Any) -> int:
            ffi.from_handle(user_data).broken = f"the ngspice shared library quit ({status})"
            return status

        def current_plot(self) -> str:
            return ffi.string(self._ngspice_shared.ngSpice_CurPlot()).decode()

        def read_plot(self, plot: str) -> dict[str, np.ndarray]:
            return _read_plot(self._ngspice_shared, ffi, plot)

    _class = _Capturing
    return _class


def _read_plot(lib: Any, ffi: Any, plot: str) -> dict[str, np.ndarray]:
    """Every vector of ngspice's ``plot``, copied from the C arrays. PySpice's plot() wraps
    each vector in unit objects and logs a warning for every vector without a unit (sweeps
    of resistors, ...), so the arrays are read directly."""
    names = lib.ngSpice_AllVecs(plot.encode())
    data: dict[str, np.ndarray] = {}
    i = 0
    while names[i] != ffi.NULL:
        name = ffi.string(names[i]).decode()
        info = lib.ngGet_Vec_Info(f"{plot}.{name}".encode())
        n = info.v_length
        if n == 0:
            data[name] = np.empty(0)
        elif info.v_compdata != ffi.NULL:
            buf = ffi.buffer(info.v_compdata, 16 * n)
            data[name] = np.frombuffer(buf, dtype=np.complex128).copy()
        else:
            buf = ffi.buffer(info.v_realdata, 8 * n)
            data[name] = np.frombuffer(buf, dtype=np.float64).copy()
        i += 1
    return data

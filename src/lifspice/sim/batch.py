"""ngspice as a program: ``ngspice -b -r out.raw netlist.cir`` in a folder of its own.

Slower per run than the shared library (~10 ms to start the program) but isolated: a run
that hangs is killed at its timeout, a crash takes nothing else down, and the folder
(netlist, ``.spiceinit``, log, raw file) is kept when the run fails.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lifspice.sim.pyspice_library import INSTALL_HINT
from lifspice.sim.result import (
    NgspiceNotFoundError,
    SimResult,
    SimulationError,
    build_result,
    fatal_log_lines,
)
from lifspice.sim.shared import BASE_INIT_COMMANDS

logger = logging.getLogger(__name__)

NETLIST_NAME = "netlist.cir"
RAW_NAME = "out.raw"
LOG_NAME = "ngspice.log"
_ANALYSES = {  # raw-file "Plotname" -> analysis card
    "transient analysis": "tran",
    "dc transfer characteristic": "dc",
    "operating point": "op",
    "ac analysis": "ac",
}


class NgspiceBatch:
    """Run each netlist with a fresh ``ngspice -b`` process.

    Parameters
    ----------
    init_commands : sequence of str
        Extra lines for the run folder's ``.spiceinit`` (after `BASE_INIT_COMMANDS`), e.g.
        ``("set ngbehavior=hsa", "set ng_nomodcheck")``.  ngspice reads ``.spiceinit``
        from its working directory, which here is the run folder, so a ``~/.spiceinit``
        is ignored.
    executable : str
        The ngspice program, looked up on ``PATH`` at each run.
    workdir : Path, optional
        Where run folders are made (default: the system temporary folder).
    timeout : float or None
        Default limit (s) for one run; the process is killed when it is reached.
    keep_files : bool
        Keep the run folder after a successful run too (failed runs are always kept).
    """

    name = "batch"

    def __init__(
        self,
        init_commands: Sequence[str] = (),
        *,
        executable: str = "ngspice",
        workdir: Path | None = None,
        timeout: float | None = None,
        keep_files: bool = False,
    ):
        self.init_commands = tuple(init_commands)
        self.executable = executable
        self.workdir = None if workdir is None else Path(workdir)
        self.timeout = timeout
        self.keep_files = keep_files

    @classmethod
    def is_available(cls, executable: str = "ngspice") -> bool:
        """True if ``executable`` is on ``PATH``."""
        return shutil.which(executable) is not None

    def spiceinit(self) -> str:
        """Text of the ``.spiceinit`` written into each run folder."""
        return "\n".join([*BASE_INIT_COMMANDS, *self.init_commands]) + "\n"

    def run(
        self,
        netlist: str,
        *,
        vectors: Sequence[str],
        netlist_path: Path | None = None,
        timeout: float | None = None,
        before_load: Sequence[str] = (),
        before_run: Sequence[str] = (),
    ) -> SimResult:
        """Run ``netlist`` and return ``vectors``; see `NgspiceShared.run` for the arguments.

        With ``before_load`` or ``before_run``, ngspice runs a ``.control`` script that
        sends them around ``source netlist.cir`` (startup reseeds the random generator
        after ``.spiceinit``, so ``setseed`` must come later to take effect).

        Raises
        ------
        NgspiceNotFoundError
            ``executable`` is not on ``PATH``.
        SimulationError
            Non-zero exit, a failed analysis, a timeout, no raw file or missing vectors.
        """
        exe = shutil.which(self.executable)
        if exe is None:
            raise NgspiceNotFoundError(f"{self.executable!r} is not on PATH: {INSTALL_HINT}")
        timeout = self.timeout if timeout is None else timeout
        if self.workdir is not None:
            self.workdir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="lifspice-", dir=self.workdir))
        (folder / ".spiceinit").write_text(self.spiceinit())
        (folder / NETLIST_NAME).write_text(netlist)
        if netlist_path is not None:
            netlist_path = Path(netlist_path)
            netlist_path.write_text(netlist)
        reported = netlist_path if netlist_path is not None else folder / NETLIST_NAME
        if before_load or before_run:
            (folder / "driver.cir").write_text(_driver(before_load, before_run))
            args = [exe, "-b", "driver.cir"]
        else:
            args = [exe, "-b", "-r", RAW_NAME, NETLIST_NAME]

        t0 = time.perf_counter()
        returncode = _run_ngspice(args, folder, timeout)
        elapsed = time.perf_counter() - t0
        log = (folder / LOG_NAME).read_text(errors="replace")

        def fail(reason: str) -> SimulationError:
            logger.debug("ngspice run failed (%s); files kept in %s", reason, folder)
            return SimulationError(f"{reason} (run folder kept: {folder})", log=log,
                                   netlist_path=reported)

        if (why := _failure(returncode, log, timeout)) is not None:
            raise fail(why)
        raw = folder / RAW_NAME
        if not raw.is_file():
            raise fail(f"ngspice wrote no raw file {RAW_NAME}")
        try:
            data, plotname = read_raw(raw)
        except Exception as exc:  # spicelib raises its own types for malformed files
            raise fail(f"cannot read {raw.name}: {exc}") from exc
        meta = {"backend": self.name, "plot": plotname,
                "analysis": _ANALYSES.get(plotname.lower(), plotname), "elapsed_s": elapsed}
        try:
            result = build_result(data, vectors=vectors, log=log, meta=meta,
                                  netlist_path=reported if self.keep_files else netlist_path)
        except SimulationError as exc:
            raise fail(exc.reason) from None
        if not self.keep_files:
            shutil.rmtree(folder, ignore_errors=True)
        return result


def read_raw(path: Path) -> tuple[dict[str, np.ndarray], str]:
    """Vectors (by the raw file's names) and plot name of an ngspice raw file (one plot).

    Real binary data (transient, DC, op: what the kit writes) is read directly: spicelib's
    reader takes seconds for a file of ~3000 vectors (its cost grows with the square of
    the vector count; a gm/Id sweep has that many), this one milliseconds. Anything else
    (ASCII, complex) goes to spicelib; ngspice before 44 writes no "Command:" line to detect
    the dialect from, so it is given.
    """
    raw = Path(path).read_bytes()
    k = raw.find(b"Binary:\n")
    if k >= 0:
        head = raw[:k].decode(errors="replace")
        flags = re.search(r"^Flags:(.*)$", head, re.M)
        if flags is not None and "complex" not in flags.group(1):
            return _read_real_binary(raw, k + len(b"Binary:\n"), head)
    from spicelib import RawRead

    rr = RawRead(str(path), verbose=False, dialect="ngspice")
    data = {name: np.array(rr.get_trace(name).get_wave()) for name in rr.get_trace_names()}
    return data, str(rr.get_raw_property("Plotname"))


def _read_real_binary(raw: bytes, offset: int, head: str) -> tuple[dict[str, np.ndarray], str]:
    def field(name: str) -> str:
        m = re.search(rf"^{name}:(.*)$", head, re.M)
        if m is None:
            raise ValueError(f"raw file header has no {name!r}")
        return m.group(1).strip()

    nv, npt = int(field("No. Variables")), int(field("No. Points"))
    lines = head.split("Variables:\n", 1)[1].splitlines()[:nv]
    names = [ln.split()[1] for ln in lines]
    data = np.frombuffer(raw, dtype="<f8", offset=offset, count=nv * npt).reshape(npt, nv)
    return {name: data[:, i].copy() for i, name in enumerate(names)}, field("Plotname")


def _driver(before_load: Sequence[str], before_run: Sequence[str]) -> str:
    lines = ["* lifspice driver", ".control", *before_load, f"source {NETLIST_NAME}",
             *before_run, "run", f"write {RAW_NAME}", "quit 0", ".endc", ".end"]
    return "\n".join(lines) + "\n"


def _run_ngspice(args: list[str], folder: Path, timeout: float | None) -> int | None:
    """Run ngspice in ``folder``, its output into the log file; the exit status, or None
    when it was killed after ``timeout`` s."""
    # OpenMP reads this at library load; num_threads in .spiceinit covers ngspice itself
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with open(folder / LOG_NAME, "wb") as log_file:
        proc = subprocess.Popen(args, cwd=folder, stdin=subprocess.DEVNULL,
                                stdout=log_file, stderr=subprocess.STDOUT, env=env)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None
        except BaseException:  # KeyboardInterrupt: leave no ngspice behind
            proc.kill()
            proc.wait()
            raise


def _failure(returncode: int | None, log: str, timeout: float | None) -> str | None:
    """Why a finished ngspice run failed (timeout, exit status, fatal log line), or None."""
    if returncode is None:
        return f"ngspice timed out after {timeout:g} s"
    if returncode != 0:
        fatal = fatal_log_lines(log)
        detail = f": {fatal[0]}" if fatal else ""
        return f"ngspice exited with status {returncode}{detail}"
    if fatal := fatal_log_lines(log):
        return f"ngspice failed: {fatal[0]}"
    return None

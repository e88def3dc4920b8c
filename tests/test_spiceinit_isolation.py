"""A ``.spiceinit`` where the user runs lifspice (an untrusted checkout) or in ``$HOME`` is
never executed: not by the shared library in the main process, not by pool workers, not by
``ngspice -b``. Each check runs in a fresh interpreter, since ngspice reads ``.spiceinit``
once per process, when the library starts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # fresh interpreters, a pool: ~15 s

RUN = textwrap.dedent("""
    import sys
    from lifspice.sim.backends import make_simulator
    from lifspice.sim.pool import SimPool

    NET = "* rc\\nI1 0 a 1e-6\\nR1 a 0 1k\\n.op\\n.end\\n"

    def solve(sim, net):
        return float(sim.run(net, vectors=["v(a)"])["v(a)"][0])

    if __name__ == "__main__":
        backend = sys.argv[1]
        sim = make_simulator(backend)
        assert abs(solve(sim, NET) - 1e-3) < 1e-9
        if backend == "shared":
            with SimPool(workers=2) as pool:
                ok = [abs(v - 1e-3) < 1e-9 for v in pool.map(solve, [NET] * 4)]
            assert ok == [True] * 4
        print("ran")
""")


@pytest.mark.parametrize("backend", ["shared", "batch"])
def test_foreign_spiceinit_does_not_run(tmp_path, backend):
    work, home = tmp_path / "checkout", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    for folder in (work, home):
        (folder / ".spiceinit").write_text(f"shell touch {folder / 'PWNED'}\necho PWNED\n")
    env = {**os.environ, "HOME": str(home)}
    script = tmp_path / "run_lifspice.py"
    script.write_text(RUN)
    run = subprocess.run([sys.executable, str(script), backend], cwd=work, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "ran" in run.stdout
    assert not (work / "PWNED").exists()
    assert not (home / "PWNED").exists()
    assert "PWNED" not in run.stdout + run.stderr


def test_planted_spiceinit_would_run_without_the_guard(tmp_path):
    """The check above can fail: plain ngspice started in that folder does run it."""
    (tmp_path / ".spiceinit").write_text(f"shell touch {tmp_path / 'PWNED'}\n")
    (tmp_path / "a.cir").write_text("* rc\nI1 0 a 1e-6\nR1 a 0 1k\n.op\n.end\n")
    subprocess.run(["ngspice", "-b", "a.cir"], cwd=tmp_path, capture_output=True, timeout=60)
    assert (tmp_path / "PWNED").exists()

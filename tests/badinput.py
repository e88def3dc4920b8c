"""The one error path, checked case by case: a user's mistake ends in one line
``lifspice: error: ...`` naming what to fix, exit status 2, no traceback.

A case is ``(argv, named, files)``: the command line (``{tmp}`` is replaced by the test's
temporary folder), words the message must contain (the key, option or file at fault), and
files to create first (name -> text or bytes) in that folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from lifspice.cli import main


def check_error(argv: Sequence[str], named: Sequence[str], files: Mapping[str, object],
                tmp: Path, capsys) -> str:
    """Run the CLI in ``tmp``; assert exit 2, one ``lifspice: error:`` line naming
    ``named``, and no traceback. Returns the message."""
    for name, content in files.items():
        path = tmp / name
        if content is None:
            path.mkdir(parents=True, exist_ok=True)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(str(content))
    argv = [a.replace("{tmp}", str(tmp)) for a in argv]
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        code = main(argv)
    except SystemExit as e:  # argparse: its own usage error, also exit 2
        code = e.code
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert code == 2, f"exit {code} for {argv}: {err[-1500:]}"
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.startswith("lifspice: error:")
             or "error:" in ln]
    assert lines, f"no error line for {argv}: {err[-1500:]}"
    message = lines[-1]
    for word in named:
        assert word.lower() in message.lower(), f"{word!r} not named in: {message}"
    return message

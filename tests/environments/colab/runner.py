"""Runs in the Colab-like environment (its nbclient 0.10 and jupyter_client 7): executes one notebook.

    python runner.py SOURCE TARGET CWD PROBES KERNEL TIMEOUT

The kernel starts in CWD; before the first cell and after the last, probe_before.py and probe_after.py run
silently in it (their own globals, no history) and write PROBES.before and PROBES.after; once the kernel
has stopped, what is installed goes to PROBES.packages. Errors stay in the outputs (allow_errors), for the
test to read from TARGET.
"""

import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from packages import installed

HERE = Path(__file__).resolve().parent


def probe(client: NotebookClient, script: Path, out: str) -> None:
    """Run ``script`` silently in the kernel, with ``OUT`` set to ``out``; exit if it fails."""
    code = f"exec(compile(open({str(script)!r}).read(), {str(script)!r}, 'exec'), {{'OUT': {out!r}}})"
    reply = client.wait_for_reply(client.kc.execute(code, silent=True, store_history=False))
    if reply is None or reply["content"]["status"] != "ok":
        content = reply["content"] if reply else {}
        sys.exit(f"{script.name} failed: " + "\n".join(content.get("traceback", [str(content)])))


def main(source: str, target: str, cwd: str, probes: str, kernel: str, timeout: str) -> None:
    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(
        nb, kernel_name=kernel, timeout=int(timeout), allow_errors=True, resources={"metadata": {"path": cwd}}
    )
    with client.setup_kernel():
        info = client.wait_for_reply(client.kc.kernel_info())
        nb.metadata["language_info"] = info["content"]["language_info"]
        probe(client, HERE / "probe_before.py", probes + ".before")
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        probe(client, HERE / "probe_after.py", probes + ".after")
    nbformat.write(nb, target)
    Path(probes + ".packages").write_text(json.dumps(installed()))


if __name__ == "__main__":
    main(*sys.argv[1:7])

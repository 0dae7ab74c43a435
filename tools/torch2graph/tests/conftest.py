import os
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


@pytest.fixture(scope="session")
def plan_cli():
    """The plan-cli binary: $PLAN_CLI, else the package's debug or release build (built if missing)."""
    path = os.environ.get("PLAN_CLI")
    if path:
        return path
    for config in ("debug", "release"):
        p = os.path.join(ROOT, ".build", config, "plan-cli")
        if os.path.exists(p):
            return p
    if shutil.which("swift") is None:
        pytest.fail("plan-cli is not built and swift is not on PATH; set PLAN_CLI")
    subprocess.run(["swift", "build", "--product", "plan-cli"], cwd=ROOT, check=True)
    return os.path.join(ROOT, ".build", "debug", "plan-cli")


def run_cli(cli, *args):
    r = subprocess.run([cli, *args], capture_output=True, text=True)
    assert r.returncode == 0, f"plan-cli {' '.join(args)}: {r.stderr}"
    return r.stdout

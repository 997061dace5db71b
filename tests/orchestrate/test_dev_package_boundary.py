"""The provider sandbox and the demo are a dev-only package (``sandbox/``): the product never loads it,
and a product installed without it says how to get it instead of failing with a traceback."""

import pkgutil
import subprocess
import sys

import dlt_sources

# Python refuses to import a module whose sys.modules entry is None: the product as installed without
# the dev package, in one process, without uninstalling anything.
WITHOUT_DEV_PACKAGE = "import sys; sys.modules['listings_sandbox'] = None\n"


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_the_code_location_and_every_source_module_load_without_the_sandbox() -> None:
    modules = [info.name for info in pkgutil.walk_packages(dlt_sources.__path__, "dlt_sources.")]
    assert "dlt_sources.apimo.helpers" in modules  # the walk really found the sources
    imports = "\n".join(f"import {module}" for module in ["orchestration.definitions", *modules])
    result = python(f"{WITHOUT_DEV_PACKAGE}{imports}\nfrom orchestration.definitions import defs; defs()\nprint('ok')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_cli_without_the_dev_package_runs_its_product_commands_and_explains_the_dev_ones() -> None:
    cli = f"{WITHOUT_DEV_PACKAGE}from orchestration.cli import main\nsys.exit(main(sys.argv[1:]))"
    help_text = subprocess.run(
        [sys.executable, "-c", cli, "run", "--help"], capture_output=True, text=True, timeout=120
    )
    assert help_text.returncode == 0, help_text.stderr
    for dev_command in (["demo", "--days", "1"], ["sandbox", "serve"]):
        result = subprocess.run([sys.executable, "-c", cli, *dev_command], capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        assert "development tools" in result.stderr and "make install" in result.stderr
        assert "Traceback" not in result.stderr

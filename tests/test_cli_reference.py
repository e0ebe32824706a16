"""README.md's table of commands and docs/cli-reference.md are what the commands' --help says."""
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
cli_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cli_reference)


def test_readme_and_reference_are_current(capsys):
    assert cli_reference.main(["--check"]) == 0, capsys.readouterr().err


def test_the_table_names_every_command_and_links_to_its_help():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index(cli_reference.BEGIN):readme.index(cli_reference.END)]
    reference = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    headings = {"kg-" + h.replace(" ", "-") for h in re.findall(r"^## kg (.+)$", reference, re.M)}
    top = [path[0] for path, _ in cli_reference.commands() if len(path) == 1]
    links = re.findall(r"\[`kg (\S+)[^`]*`\]\(docs/cli-reference\.md#([\w-]+)\)", table)
    assert [name for name, _ in links] == top
    assert all(anchor in headings for _, anchor in links)
    assert "| [`kg extract FILES…`](docs/cli-reference.md#kg-extract) | Print the citations found in FILES" in table


def test_a_stale_table_is_replaced_between_the_markers():
    stale = f"intro\n{cli_reference.BEGIN}\n| old | table |\n{cli_reference.END}\nrest\n"
    fresh = cli_reference.updated_readme(stale)
    assert fresh.startswith("intro\n" + cli_reference.BEGIN + "\n| command |") and fresh.endswith(
        cli_reference.END + "\nrest\n")
    assert "| old | table |" not in fresh and cli_reference.updated_readme(fresh) == fresh

"""The README is the front door: its Quick start has the two commands, and CI runs the second."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start_blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```[a-z]*\n(.*?)```", section, re.S)]


def test_quick_start_has_exactly_two_commands():
    blocks = quick_start_blocks()
    assert len(blocks) == 2
    run, test = blocks
    assert "demo" in run and "flask --app wsgi run" in run
    assert "pytest" in test


def test_ci_runs_the_readme_test_command():
    test_command = quick_start_blocks()[1]
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_setting_read_from_the_environment_is_documented():
    config = (ROOT / "eventsvc" / "config.py").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = set(re.findall(r'_env\("([A-Z_]+)"', config)) | set(re.findall(r'_flag\("([A-Z_]+)"', config))
    assert names, "no settings found"
    missing = sorted(n for n in names if f"EVENTSVC_{n}" not in readme)
    assert missing == []

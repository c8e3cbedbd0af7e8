"""The README stays true to the code it describes."""

from pathlib import Path

from device_app.cli import exitcodes
from device_app.core.providers import PROVIDERS
from device_app.core.states import mermaid

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_state_diagram_is_generated_from_the_table():
    assert mermaid() in README


def test_every_exit_code_and_provider_is_documented():
    for code in exitcodes.DESCRIPTIONS:
        assert "| %d |" % code in README
    for name in PROVIDERS:
        assert "| `%s` |" % name in README

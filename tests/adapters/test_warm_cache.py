"""``warm-cache`` runs a tiny walk-forward of every strategy with a grid (what compiles every
kernel a real run asks for)."""

from __future__ import annotations

from adapters.cli.main import main
from adapters.services.warm_cache import warm
from config.loader import load_settings


def test_every_strategy_with_a_grid_is_warmed_once() -> None:
    settings = load_settings()
    warmed: list[str] = []
    warm(settings, warmed.append)
    assert warmed == sorted(settings.param_grids.grids) and len(warmed) == 13


def test_the_command_shows_its_progress(capsys) -> None:
    assert main(["warm-cache"]) == 0
    assert "13/13 strategies" in capsys.readouterr().err

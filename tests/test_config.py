"""Tests of rglib.config: scale selection, seeds and folders."""
import pytest

from rglib import config


def test_default_scale_is_book(monkeypatch):
    monkeypatch.delenv("RGLIB_SCALE", raising=False)
    assert config.current_scale() == "book"
    monkeypatch.setenv("RGLIB_SCALE", "  ")
    assert config.current_scale() == "book"


@pytest.mark.parametrize("name", ["ci", "book", "paper", "CI", " paper "])
def test_known_scales(monkeypatch, name):
    monkeypatch.setenv("RGLIB_SCALE", name)
    assert config.current_scale() == name.strip().lower()
    assert config.scale_profile().name == name.strip().lower()


def test_unknown_scale_names_allowed_values(monkeypatch):
    monkeypatch.setenv("RGLIB_SCALE", "bogus")
    with pytest.raises(ValueError, match="RGLIB_SCALE='bogus'.*ci, book, paper"):
        config.current_scale()
    with pytest.raises(ValueError, match="allowed values"):
        config.by_scale(ci=1, book=2)


def test_by_scale_picks_value(monkeypatch):
    for scale, expected in [("ci", 1), ("book", 2), ("paper", 3)]:
        monkeypatch.setenv("RGLIB_SCALE", scale)
        assert config.by_scale(ci=1, book=2, paper=3) == expected
    assert config.by_scale(ci=1, book=2, scale="paper") == 2  # paper falls back to book
    with pytest.raises(ValueError, match="scale='huge'"):
        config.by_scale(ci=1, book=2, scale="huge")
    with pytest.raises(TypeError, match="scale must be a str"):
        config.by_scale(ci=1, book=2, scale=3)


def test_seed_for_is_stable_and_distinct():
    a, b = config.seed_for("ising"), config.seed_for("meanfield")
    assert a == config.seed_for("ising")
    assert a != b
    assert 0 <= a < 2**32
    assert config.seed_for("ising", base=1) != a
    with pytest.raises(ValueError, match="name"):
        config.seed_for("")
    with pytest.raises(ValueError, match="base"):
        config.seed_for("x", base=-1)


def test_budgets_are_ordered():
    p = config.PROFILES
    assert p["ci"].chapter_budget_s < p["book"].chapter_budget_s <= 300 < p["paper"].chapter_budget_s
    name, purpose, budget, device = p["ci"]  # a NamedTuple unpacks
    assert (name, budget, device) == ("ci", p["ci"].chapter_budget_s, "cpu")
    assert p["book"]._fields == ("name", "purpose", "chapter_budget_s", "device_hint")


def test_seed_for_argument_types():
    with pytest.raises(TypeError, match="name must be a non-empty str"):
        config.seed_for(3)
    with pytest.raises(TypeError, match="base must be an int"):
        config.seed_for("x", base=1.5)


def test_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("RGLIB_DATA", str(tmp_path / "d"))
    d = config.data_dir()
    assert d == tmp_path / "d" and d.is_dir()


def test_describe_scale_mentions_scale():
    assert "**ci**" in config.describe_scale("ci")
    assert "**paper**" in config.describe_scale("paper")


def test_package_exposes_submodules_lazily():
    import rglib

    assert rglib.ising.__name__ == "rglib.ising"
    assert set(rglib.__all__) >= {"config", "plotting", "stats", "entropy", "ising", "rg", "nets"}
    import pytest as _pytest

    with _pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        rglib.nonexistent  # noqa: B018


def test_wings_export_every_public_name_lazily():
    import importlib

    for wing in ("ising", "rg", "nets"):
        mod = importlib.import_module(f"rglib.{wing}")
        for name in mod.__all__:
            assert getattr(mod, name) is not None, (wing, name)
        import pytest as _pytest

        with _pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
            mod.nonexistent  # noqa: B018


def test_exact_results_do_not_import_torch():
    import subprocess
    import sys

    code = ("import sys; from rglib.ising import kaufman_log_partition, ring_log_partition; "
            "from rglib.rg import decimate_1d; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"

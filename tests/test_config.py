import pytest

from pipeline.config import Config, ConfigError, load_config


def test_default_config_file_loads():
    config = load_config()
    assert isinstance(config, Config) and config.output.codec == "zstd"
    assert len(config.digest()) == 64


def test_unknown_key_names_the_key_and_allowed(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("output:\n  codek: zstd\n")
    with pytest.raises(ConfigError, match=r"output\.codek: unknown key; allowed keys: codec"):
        load_config(path)


def test_bad_value_names_the_key_and_choices(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("output:\n  codec: lz5\n")
    with pytest.raises(ConfigError, match=r"output\.codec: 'lz5' is not allowed; use one of: zstd"):
        load_config(path)


def test_wrong_type_is_reported():
    with pytest.raises(ConfigError, match=r"run\.direct_num_workers: expected an integer"):
        load_config(None, ["run.direct_num_workers=two"])


def test_multi_threading_refused():
    with pytest.raises(ConfigError, match="multi_threading"):
        load_config(None, ["run.direct_running_mode=multi_threading"])


def test_overrides_apply_and_change_the_digest():
    base = load_config()
    changed = load_config(None, ["input.max_article_chars=1000", "input.body_fields=[body]"])
    assert changed.input.max_article_chars == 1000 and changed.input.body_fields == ("body",)
    assert changed.digest() != base.digest()


def test_core_settings_validation_is_wrapped(tmp_path):
    with pytest.raises(ConfigError, match=r"language"):
        load_config(None, ["language.min_confidence=7"])

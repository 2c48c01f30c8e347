"""Typed configuration: YAML (pyyaml) into frozen dataclasses, validated with messages a user can act on.

Each stage's settings dataclass lives next to the code that uses it (core modules stay free of
this module); ``Config`` composes them. Unknown keys are an error that names the allowed keys;
values are checked against the field's type. ``--set section.key=value`` overrides a loaded file.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.core.dates import DateSettings
from pipeline.core.entities import EntitySettings
from pipeline.core.langspans import LanguageSettings
from pipeline.core.minhash import DedupSettings
from pipeline.core.sources import SourceSettings

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "configs" / "local.yaml"


class ConfigError(ValueError):
    """A bad key or value in the configuration or on the command line (exit code 2)."""


@dataclass(frozen=True)
class InputSettings:
    body_fields: tuple[str, ...] = ("text", "content", "body")  # first present non-empty one wins
    id_fields: tuple[str, ...] = ("id",)
    title_fields: tuple[str, ...] = ("title",)
    url_fields: tuple[str, ...] = ("url",)
    date_fields: tuple[str, ...] = ("date", "published", "date_extracted")
    outlet_fields: tuple[str, ...] = ("source",)
    author_fields: tuple[str, ...] = ("author",)
    max_article_chars: int = 2_000_000  # longer articles are rejected as too_large (a longer line is never held)
    # a JSON or HTML document (a file or an archive member) is read whole: a larger one is too_large
    max_member_bytes: int = 512 * 2**20
    # a compressed file or member expanding more than this many times its size (past 64 MiB) is too_large
    max_compression_ratio: float = 100.0
    max_undecodable_share: float = 0.01  # share of U+FFFD after decoding above which a text is rejected
    min_letters: int = 1  # an article needs at least this many letters after cleaning

    def __post_init__(self):
        if not self.body_fields:
            raise ConfigError("input.body_fields: give at least one field name")
        _check_range("input.max_article_chars", self.max_article_chars, 1, None)
        _check_range("input.max_member_bytes", self.max_member_bytes, 1, None)
        _check_range("input.max_compression_ratio", self.max_compression_ratio, 1.0, None)
        _check_range("input.max_undecodable_share", self.max_undecodable_share, 0.0, 1.0)
        _check_range("input.min_letters", self.min_letters, 0, None)


@dataclass(frozen=True)
class OutputSettings:
    codec: str = "zstd"  # Parquet compression: zstd (4x smaller than Beam's uncompressed default)
    row_group_buffer_bytes: int = 8 * 1024 * 1024  # 64 MiB (Beam's default) made memory grow with input
    report: bool = False  # also write report.html at the end of the run

    def __post_init__(self):
        _check_choice("output.codec", self.codec, ("zstd", "snappy", "gzip", "none"))
        _check_range("output.row_group_buffer_bytes", self.row_group_buffer_bytes, 1024, None)


@dataclass(frozen=True)
class RunSettings:
    # Local engine: multi_processing runs the stages on direct_num_workers processes (0 = one per core);
    # with one worker it is the in-process in_memory mode. multi_threading lost rows here and is refused.
    direct_running_mode: str = "multi_processing"
    direct_num_workers: int = 0
    max_reject_share: float = 1.0  # fail the run (exit 3) when rejects / inputs exceeds this
    progress_seconds: float = 10.0  # seconds between progress lines when stderr is not a terminal (--quiet: none)
    batch_files: int = 0  # > 0: one Beam pipeline per this many input files (bounded memory); 0 = one pipeline
    batch_megabytes: float = 0.0  # > 0: also close a batch when its files reach this many MB
    beam_args: tuple[str, ...] = ()  # Beam flags of a runner profile (configs/dataflow.yaml...); the command line wins

    def __post_init__(self):
        if self.direct_running_mode == "multi_threading":
            raise ConfigError(
                "run.direct_running_mode: multi_threading silently lost rows on this Beam version "
                "(see docs/RUNNERS.md); use in_memory or multi_processing")
        _check_choice("run.direct_running_mode", self.direct_running_mode, ("in_memory", "multi_processing"))
        _check_range("run.direct_num_workers", self.direct_num_workers, 0, None)
        _check_range("run.max_reject_share", self.max_reject_share, 0.0, 1.0)
        _check_range("run.progress_seconds", self.progress_seconds, 0.05, None)
        _check_range("run.batch_files", self.batch_files, 0, None)
        _check_range("run.batch_megabytes", self.batch_megabytes, 0.0, None)


@dataclass(frozen=True)
class Config:
    input: InputSettings = field(default_factory=InputSettings)
    dates: DateSettings = field(default_factory=DateSettings)
    language: LanguageSettings = field(default_factory=LanguageSettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    entities: EntitySettings = field(default_factory=EntitySettings)
    sources: SourceSettings = field(default_factory=SourceSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    run: RunSettings = field(default_factory=RunSettings)

    def to_dict(self) -> dict:
        return _plain(dataclasses.asdict(self))

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()


def load_config(path: str | Path | None = None, overrides: typing.Sequence[str] = ()) -> Config:
    """Read ``path`` (default ``configs/local.yaml``), apply ``section.key=value`` overrides, validate."""
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise ConfigError(f"--set {item!r}: expected section.key=value")
        section, name = key.split(".", 1)
        data.setdefault(section, {})
        if not isinstance(data[section], dict):
            raise ConfigError(f"{section}: must be a mapping")
        data[section][name] = yaml.safe_load(value)
    return build(Config, data, "")


def build(cls, data, where: str):
    """Construct dataclass ``cls`` from a mapping, checking keys and types recursively."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ConfigError(f"{_join(where, unknown[0])}: unknown key; allowed keys: {', '.join(names)}")
    kwargs = {name: _coerce(hints[name], value, _join(where, name)) for name, value in data.items()}
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where or 'config'}: {exc}") from None


def _coerce(hint, value, where: str):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return build(hint, value, where)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, where)
    if origin is tuple:
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        item_type = args[0] if args else str
        return tuple(_coerce(item_type, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return dict(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def _check_choice(name: str, value, allowed: tuple) -> None:
    if value not in allowed:
        raise ConfigError(f"{name}: {value!r} is not allowed; use one of: {', '.join(map(str, allowed))}")


def _check_range(name: str, value, low, high) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"between {low} and {high}"
        raise ConfigError(f"{name}: {value!r} is out of range; must be {bounds}")


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value

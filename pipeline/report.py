"""The run report: ``DIR/report.html`` (one self-contained page, charts drawn as inline SVG) and
``DIR/report.json`` (the same figures), read from a finished run's tables and manifest.

``summarise`` computes the figures, ``write_report`` writes both files. Large runs stay in bounded
memory: every count is a streaming pyarrow (Acero) aggregation over only the columns it needs, the
``text`` column of ``documents`` is never read, and sentence texts are looked up (a pyarrow join on
``doc_id`` and ``sentence_index``) only for the few top entities and sources the drill-down shows.

The page needs no network: no script, style, font or image is loaded from anywhere. Its inline
script only opens the drill-down tables (click an entity or a source, or open the page with
``#drill=<id>`` in the address); every chart is drawn without it.
"""
from __future__ import annotations

import html
import json
import math
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.acero as ac
import pyarrow.compute as pc
import pyarrow.dataset as ds

from pipeline.schema import TABLES

ENTITY_TYPES = ("PER", "LOC", "ORG", "MISC")
SOURCE_ROLES = ("cited", "agency_credit", "publisher")
DRILL_ROLES = ("cited", "agency_credit")  # publisher rows come from metadata, not from a sentence
NO_OUTLET = "(no outlet)"
LANG_NAMES = {"ar": "Arabic", "fr": "French", "en": "English", "fa": "Persian", "ur": "Urdu",
              "zxx": "codes/numbers", "und": "undetermined", "other": "other"}
LANG_COLOURS = {"ar": "#2f6db5", "fr": "#e0a526", "en": "#3a9e5c", "fa": "#8c5cc7", "ur": "#d9622b",
                "zxx": "#8a949e", "und": "#c3c9cf", "other": "#c0508a"}
SPARE_COLOURS = ("#1b9aaa", "#9c6b30", "#5d6bd6", "#b83b3b", "#6a994e")
STATUS_COLOURS = {"unique": "#3a9e5c", "exact_duplicate": "#d9622b", "near_duplicate": "#e0a526"}
STAGE_ORDER = ("read", "decode_clean", "clean", "dedup", "deduplicate", "segment", "tag", "tag_entities",
               "tag_sources", "boilerplate", "write")
MAX_STACK_LANGS = 5  # languages shown by name in stacked charts; the rest are "other"

try:  # descriptions of reject reasons, when the core module is importable
    from pipeline.core.types import REJECT_REASONS
except Exception:  # pragma: no cover - the report must work on a bare output folder
    REJECT_REASONS = {}


# --------------------------------------------------------------------------------------------
# reading


def _dataset(out: Path, name: str, manifest: dict) -> ds.Dataset:
    """A table of the run as a dataset with its declared schema: the shards the manifest lists
    (the read rule of the README), or the table's folder for output written before manifests listed them."""
    schema = TABLES[name]
    files = (manifest.get("files") or {}).get(name)
    if files is not None:
        return ds.dataset([str(out / p) for p in files], format="parquet", schema=schema)
    folder = out / name
    if not folder.is_dir():
        return ds.dataset(pa.Table.from_batches([], schema=schema))
    return ds.dataset(str(folder), format="parquet", schema=schema)


def _aggregate(dataset: ds.Dataset, fields: list[str], columns: dict, aggregates: list, keys: list[str],
               where: pc.Expression | None = None) -> pa.Table:
    """Streaming group-by: scan only ``fields``, project ``columns``, aggregate by ``keys``."""
    steps = [ac.Declaration("scan", ac.ScanNodeOptions(dataset, columns=fields, filter=where))]
    if where is not None:
        steps.append(ac.Declaration("filter", ac.FilterNodeOptions(where)))
    steps.append(ac.Declaration("project", ac.ProjectNodeOptions(list(columns.values()), list(columns))))
    steps.append(ac.Declaration("aggregate", ac.AggregateNodeOptions(aggregates, keys=keys)))
    return ac.Declaration.from_sequence(steps).to_table(use_threads=True)


def _count_by(dataset: ds.Dataset, fields: list[str], keys: dict, where=None,
              distinct_docs: bool = False) -> list[dict]:
    """Rows per group of ``keys`` (name -> expression over ``fields``): n, and docs (distinct doc_id)."""
    aggregates = [([], "hash_count_all", None, "n")]
    columns = dict(keys)
    if distinct_docs:
        fields = [*fields, "doc_id"]
        columns["_doc"] = pc.field("doc_id")
        aggregates.append(("_doc", "hash_count_distinct", None, "docs"))
    return _aggregate(dataset, sorted(set(fields)), columns, aggregates, list(keys), where).to_pylist()


def _read_manifest(out: Path) -> dict:
    path = out / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{out} is not the output of a newscorpus run: no manifest.json in it "
                                "(give the --output folder of a finished run)")
    with open(path, encoding="utf-8") as f:
        latest = json.load(f)
    runs = sorted((out / "runs").glob("*.json"))
    return _combine_runs(latest, runs) if runs else latest


_SUMMED = ("accounting", "tables", "rejects_by_reason", "metrics", "stage_seconds")


def _combine_runs(latest: dict, run_files: list[Path]) -> dict:
    """An incremental corpus holds every run's tables: add up the runs' counts so they match them.

    Everything else (config, versions, run id) is the latest run's; ``elapsed_seconds`` is the sum.
    """
    combined = dict(latest)
    for key in _SUMMED:
        combined[key] = {}
    combined["elapsed_seconds"] = 0.0
    combined["skipped_inputs"] = latest.get("skipped_inputs")
    combined["runs"] = []
    for path in run_files:
        with open(path, encoding="utf-8") as f:
            run = json.load(f)
        combined["runs"].append(run.get("run_id"))
        combined["elapsed_seconds"] += run.get("elapsed_seconds") or 0.0
        for key in _SUMMED:
            for name, value in (run.get(key) or {}).items():
                combined[key][name] = combined[key].get(name, 0) + value
    return combined


# --------------------------------------------------------------------------------------------
# figures


def summarise(output_dir, top: int = 20) -> dict:
    """Every figure of the report, as plain JSON-ready data."""
    out = Path(output_dir)
    manifest = _read_manifest(out)
    top = max(1, int(top))
    data = {name: _dataset(out, name, manifest) for name in TABLES}
    counts = {name: data[name].count_rows() for name in TABLES}

    accounting = manifest.get("accounting") or {}
    inputs = accounting.get("inputs")
    if inputs is None and (out / "inputs").is_dir():
        inputs = sum(r["records"] or 0 for r in data["inputs"].to_table(columns=["records"]).to_pylist())
    notes = []
    for name, n in (manifest.get("tables") or {}).items():
        if name in counts and n != counts[name]:
            notes.append(f"the manifest says {n} rows in {name}, the folder holds {counts[name]}")

    sentences = _sentence_figures(data["sentences"])
    letters, by_outlet = _letter_shares(data["documents"], top)
    entities = _entity_figures(data["entities"], top)
    sources = _source_figures(data["sources"], top)
    figures = {
        "report_version": 1,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "output_dir": str(out.resolve()),
        "top": top,
        "run": {
            "run_id": manifest.get("run_id"),
            "created_utc": manifest.get("created_utc"),
            "runner": manifest.get("runner"),
            "elapsed_seconds": manifest.get("elapsed_seconds"),
            "config_sha256": manifest.get("config_sha256"),
            "python": manifest.get("python"),
            "versions": manifest.get("versions") or {},
            "arguments": manifest.get("arguments") or {},
            "incremental": manifest.get("incremental"),
            "batches": manifest.get("batches"),
            "skipped_inputs": manifest.get("skipped_inputs"),
            "problems": list(manifest.get("problems") or []),
            "notes": notes,
        },
        "headline": {
            "inputs": inputs,
            "documents": counts["documents"],
            "rejects": counts["rejects"],
            "sentences": counts["sentences"],
            "entities": counts["entities"],
            "sources": counts["sources"],
            "clusters": counts["clusters"],
            "input_files": counts["inputs"],
            "elapsed_seconds": manifest.get("elapsed_seconds"),
            "accounting_ok": None if inputs is None else inputs == counts["documents"] + counts["rejects"],
        },
        "languages": {"letters": letters, "sentences": sentences["by_lang"], "by_outlet": by_outlet},
        "dedup": _dedup_figures(data["documents"], data["clusters"]),
        "entities": entities,
        "sources": sources,
        "rejects": _reject_figures(data["rejects"], manifest),
        "sentence_length": sentences["length"],
        "stage_seconds": _stage_seconds(manifest),
        "metrics": manifest.get("metrics") or {},
        "config": manifest.get("config") or {},
    }
    figures["drilldown"] = _drilldown(data, entities, sources, top)
    return figures


def _stage_seconds(manifest: dict) -> list[dict] | None:
    """Seconds per stage in the pipeline's order (stages this module does not know go last)."""
    stages = manifest.get("stage_seconds") or {}
    if not stages:
        return None
    rank = {name: i for i, name in enumerate(STAGE_ORDER)}
    ordered = sorted(stages.items(), key=lambda kv: rank.get(kv[0], len(rank)))
    return [{"stage": str(k), "seconds": round(float(v), 3)} for k, v in ordered]


def _shares(counts: dict, total: float | None = None) -> list[dict]:
    total = sum(counts.values()) if total is None else total
    rows = [{"lang": k, "value": v, "share": (v / total if total else 0.0)} for k, v in counts.items()]
    return sorted(rows, key=lambda r: (-r["value"], r["lang"]))


def _sentence_figures(sentences: ds.Dataset) -> dict:
    rows = _count_by(sentences, ["lang", "start", "end"],
                     {"lang": pc.coalesce(pc.field("lang"), pa.scalar("und")),
                      "chars": pc.subtract(pc.field("end"), pc.field("start"))})
    by_lang: dict[str, int] = {}
    chars_by_lang: dict[str, int] = {}
    lengths: dict[int, dict[str, int]] = {}
    for r in rows:
        lang, length, n = r["lang"], int(r["chars"] or 0), r["n"]
        by_lang[lang] = by_lang.get(lang, 0) + n
        chars_by_lang[lang] = chars_by_lang.get(lang, 0) + n * length
        lengths.setdefault(length, {})
        lengths[length][lang] = lengths[length].get(lang, 0) + n
    lang_rows = [{"lang": r["lang"], "sentences": r["value"], "share": r["share"],
                  "chars": chars_by_lang[r["lang"]]} for r in _shares(by_lang)]
    stack_langs = _stack_langs([r["lang"] for r in lang_rows])
    return {"by_lang": lang_rows, "length": _length_histogram(lengths, stack_langs)}


def _stack_langs(ranked: list[str]) -> list[str]:
    if len(ranked) <= MAX_STACK_LANGS:
        return list(ranked)
    return list(ranked[:MAX_STACK_LANGS - 1]) + ["other"]


def _nice_width(raw: float) -> int:
    if raw <= 1:
        return 1
    exp = 10 ** int(math.floor(math.log10(raw)))
    for step in (1, 2, 2.5, 5, 10):
        if step * exp >= raw and float(step * exp).is_integer():
            return int(step * exp)
    return int(10 * exp)


def _length_histogram(lengths: dict[int, dict[str, int]], langs: list[str], target_bins: int = 30) -> dict:
    total = sum(sum(v.values()) for v in lengths.values())
    if not total:
        return {"count": 0, "bins": [], "langs": langs, "bin_width": None, "min": None, "max": None,
                "mean": None, "median": None, "p90": None, "p99": None}
    ordered = sorted(lengths)
    running, quantiles = 0, {}
    marks = {"median": 0.5, "p90": 0.9, "p99": 0.99}
    for length in ordered:
        running += sum(lengths[length].values())
        for name, q in marks.items():
            if name not in quantiles and running >= q * total:
                quantiles[name] = length
    width = _nice_width(max(quantiles["p99"], 1) / target_bins)
    limit = (quantiles["p99"] // width + 1) * width  # lengths >= limit go to one last bin
    bins: dict[int, dict[str, int]] = {}
    for length, per_lang in lengths.items():
        lo = min(length // width * width, limit)
        slot = bins.setdefault(lo, {})
        for lang, n in per_lang.items():
            key = lang if lang in langs else "other"
            slot[key] = slot.get(key, 0) + n
    out_bins = []
    for lo in range(0, limit + 1, width):
        if lo == limit and lo not in bins:
            break
        per_lang = bins.get(lo, {})
        hi = None if lo == limit else lo + width  # None: the open-ended last bin
        out_bins.append({"lo": lo, "hi": hi, "count": sum(per_lang.values()),
                         "by_lang": {k: per_lang[k] for k in langs if per_lang.get(k)}})
    mean = sum(length * sum(v.values()) for length, v in lengths.items()) / total
    return {"count": total, "bins": out_bins, "langs": langs, "bin_width": width, "min": ordered[0],
            "max": ordered[-1], "mean": round(mean, 2), **quantiles}


def _letter_shares(documents: ds.Dataset, top: int) -> tuple[list[dict], dict]:
    """Share of letters per language (each document's letter shares weighted by its length), overall
    and for the ``top`` outlets with the most documents."""
    entry = pa.list_(pa.struct([("key", pa.string()), ("value", pa.float32())]))
    totals: dict[tuple[str, str], float] = {}
    docs_per_outlet: dict[str, int] = {}
    scanner = documents.scanner(columns=["outlet", "text_chars", "lang_mix"], batch_size=65536)
    for batch in scanner.to_batches():
        if not batch.num_rows:
            continue
        outlets = pc.fill_null(batch.column("outlet"), NO_OUTLET)
        outlets = pc.if_else(pc.equal(pc.utf8_trim_whitespace(outlets), ""), NO_OUTLET, outlets)
        for row in pa.table({"o": outlets}).group_by("o").aggregate([([], "count_all")]).to_pylist():
            docs_per_outlet[row["o"]] = docs_per_outlet.get(row["o"], 0) + row["count_all"]
        mix = batch.column("lang_mix").cast(entry)
        flat = pc.list_flatten(mix)
        if not len(flat):
            continue
        parents = pc.list_parent_indices(mix)
        chars = pc.cast(pc.fill_null(pc.take(batch.column("text_chars"), parents), 0), pa.float64())
        weights = pc.multiply(pc.cast(flat.field("value"), pa.float64()), chars)
        grouped = pa.table({"o": pc.take(outlets, parents), "lang": flat.field("key"), "w": weights}) \
            .group_by(["o", "lang"]).aggregate([("w", "sum")])
        for row in grouped.to_pylist():
            key = (row["o"], row["lang"] or "und")
            totals[key] = totals.get(key, 0.0) + row["w_sum"]
    overall: dict[str, float] = {}
    for (_, lang), w in totals.items():
        overall[lang] = overall.get(lang, 0.0) + w
    letters = [{"lang": r["lang"], "letters": round(r["value"], 1), "share": r["share"]} for r in _shares(overall)]
    langs = _stack_langs([r["lang"] for r in letters])
    outlets = sorted(docs_per_outlet.items(), key=lambda kv: (-kv[1], kv[0]))
    by_outlet = []
    for outlet, n_docs in outlets[:top]:
        per_lang: dict[str, float] = {}
        for (o, lang), w in totals.items():
            if o == outlet:
                key = lang if lang in langs else "other"
                per_lang[key] = per_lang.get(key, 0.0) + w
        weight = sum(per_lang.values())
        by_outlet.append({"outlet": outlet, "documents": n_docs, "letters": round(weight, 1),
                          "shares": {k: per_lang[k] / weight for k in langs if weight and per_lang.get(k)}})
    return letters, {"langs": langs, "outlets": by_outlet, "outlet_count": len(outlets)}


def _dedup_figures(documents: ds.Dataset, clusters: ds.Dataset) -> dict:
    status = _count_by(documents, ["dup_status"],
                       {"dup_status": pc.coalesce(pc.field("dup_status"), pa.scalar("unique"))})
    order = {"unique": 0, "exact_duplicate": 1, "near_duplicate": 2}
    by_status = sorted(({"dup_status": r["dup_status"], "documents": r["n"]} for r in status),
                       key=lambda r: (order.get(r["dup_status"], 9), r["dup_status"]))
    sizes = sorted(({"size": r["size"], "clusters": r["n"]}
                    for r in _count_by(clusters, ["size"], {"size": pc.field("size")})), key=lambda r: r["size"] or 0)
    kinds = sorted(({"kind": r["kind"], "clusters": r["n"]}
                    for r in _count_by(clusters, ["kind"], {"kind": pc.field("kind")})), key=lambda r: -r["clusters"])
    histogram: dict[str, int] = {}
    for r in sizes:
        size = r["size"] or 0
        label = str(size) if size < 10 else "10–19" if size < 20 else "20–49" if size < 50 else \
            "50–99" if size < 100 else "100+"
        histogram[label] = histogram.get(label, 0) + r["clusters"]
    return {
        "by_status": by_status,
        "duplicate_documents": sum(r["documents"] for r in by_status if r["dup_status"] != "unique"),
        "cluster_sizes": sizes,
        "cluster_size_histogram": [{"size": k, "clusters": v} for k, v in histogram.items()],
        "clustered_documents": sum((r["size"] or 0) * r["clusters"] for r in sizes),
        "clusters_by_kind": kinds,
    }


def _name_expr() -> pc.Expression:
    return pc.coalesce(pc.field("canonical"), pc.field("text"), pa.scalar(""))


def _ranked(rows: list[dict], top: int) -> list[dict]:
    return sorted(rows, key=lambda r: (-r["count"], r["name"]))[:top]


def _key_expr(dataset: ds.Dataset) -> tuple[list[str], pc.Expression]:
    """The join key of a name (``canonical_key``; tables written before it existed group by ``canonical``)."""
    if "canonical_key" in dataset.schema.names:
        return ["canonical_key"], pc.coalesce(pc.field("canonical_key"), _name_expr())
    return [], _name_expr()


def _by_key(rows: list[dict], group: str) -> list[dict]:
    """One row per (group, key), shown in its most frequent display form; documents add up over the
    display forms (an upper bound when one document writes a name two ways)."""
    merged: dict[tuple, dict] = {}
    for r in sorted(rows, key=lambda r: (-r["n"], r["name"])):
        m = merged.setdefault((r[group], r["key"]), {**r, "n": 0, "docs": 0})
        m["n"] += r["n"]
        m["docs"] += r["docs"]
    return list(merged.values())


def _entity_figures(entities: ds.Dataset, top: int) -> dict:
    key_fields, key = _key_expr(entities)
    rows = _by_key(_count_by(entities, ["type", "canonical", "text", *key_fields],
                             {"type": pc.coalesce(pc.field("type"), pa.scalar("MISC")), "key": key,
                              "name": _name_expr()}, distinct_docs=True), "type")
    types = list(ENTITY_TYPES) + sorted({r["type"] for r in rows} - set(ENTITY_TYPES))
    result = {}
    for t in types:
        of_type = [{"name": r["name"], "count": r["n"], "documents": r["docs"]} for r in rows if r["type"] == t]
        result[t] = {"mentions": sum(r["count"] for r in of_type), "distinct": len(of_type),
                     "top": _ranked(of_type, top)}
    return result


def _source_figures(sources: ds.Dataset, top: int) -> dict:
    rows = _count_by(sources, ["role", "canonical", "text", "kind"],
                     {"role": pc.coalesce(pc.field("role"), pa.scalar("cited")), "name": _name_expr(),
                      "kind": pc.coalesce(pc.field("kind"), pa.scalar("unknown"))}, distinct_docs=True)
    roles = list(SOURCE_ROLES) + sorted({r["role"] for r in rows} - set(SOURCE_ROLES))
    result: dict = {}
    for role in roles:
        merged: dict[str, dict] = {}
        for r in rows:
            if r["role"] != role:
                continue
            m = merged.setdefault(r["name"], {"name": r["name"], "count": 0, "documents": 0, "kinds": {}})
            m["count"] += r["n"]
            m["documents"] += r["docs"]  # an upper bound when a name has several kinds in one document
            m["kinds"][r["kind"]] = m["kinds"].get(r["kind"], 0) + r["n"]
        ranked = _ranked(list(merged.values()), top)
        for m in ranked:
            m["kind"] = sorted(m["kinds"].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        result[role] = {"mentions": sum(m["count"] for m in merged.values()), "distinct": len(merged),
                        "top": ranked}
    by_kind: dict[str, int] = {}
    for r in rows:
        if r["role"] == "cited":
            by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + r["n"]
    result["cited_by_kind"] = [{"kind": k, "count": v}
                               for k, v in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))]
    return result


def _reject_figures(rejects: ds.Dataset, manifest: dict, examples: int = 3) -> list[dict]:
    counts = {r["reason"]: r["n"] for r in _count_by(rejects, ["reason"], {"reason": pc.coalesce(pc.field("reason"),
                                                                                       pa.scalar("unknown"))})}
    for reason, n in (manifest.get("rejects_by_reason") or {}).items():
        counts.setdefault(reason, n)
    found: dict[str, list] = {reason: [] for reason in counts}
    wanted = len(found)
    if wanted:
        scanner = rejects.scanner(columns=["input", "member", "record_offset", "reason", "message"], batch_size=4096)
        for batch in scanner.to_batches():
            for r in batch.to_pylist():
                slot = found.setdefault(r["reason"] or "unknown", [])
                if len(slot) < examples:
                    slot.append({k: r[k] for k in ("input", "member", "record_offset", "message")})
            if all(len(v) >= min(examples, counts.get(k, 0)) for k, v in found.items()):
                break
    return [{"reason": reason, "count": n, "description": REJECT_REASONS.get(reason, ""),
             "examples": found.get(reason, [])}
            for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


# --------------------------------------------------------------------------------------------
# drill-down: the sentences that mention the top entities and sources


def _drilldown(data: dict, entities: dict, sources: dict, top: int) -> dict:
    wanted_entities = {(t, r["name"]): f"ent-{t}-{i}" for t, fig in entities.items()
                       for i, r in enumerate(fig["top"])}
    wanted_sources = {(role, r["name"]): f"src-{role}-{i}" for role in DRILL_ROLES
                      for i, r in enumerate(sources.get(role, {}).get("top", []))}
    hits: dict[str, list[tuple]] = {}
    _collect_mentions(data["entities"], "type", wanted_entities, top, hits)
    _collect_mentions(data["sources"], "role", wanted_sources, top, hits)
    keys = {(doc, si) for rows in hits.values() for doc, si, _, _ in rows}
    sentences = _lookup_sentences(data["sentences"], keys)
    docs = _lookup_documents(data["documents"], {doc for doc, _ in keys})
    drill: dict[str, dict] = {}
    labels = {**{v: (k[0], k[1]) for k, v in wanted_entities.items()},
              **{v: (k[0], k[1]) for k, v in wanted_sources.items()}}
    for drill_id in labels:
        rows = hits.get(drill_id)
        if not rows:
            continue
        seen_texts, shown = set(), []
        for doc, si, start, end in rows:
            sentence = sentences.get((doc, si))
            text = sentence["text"] if sentence else None  # None: not in the sentences table
            if text is not None and text in seen_texts:
                continue  # the same sentence in a duplicate document
            seen_texts.add(text)
            mark = None
            if sentence and start is not None and end is not None and sentence["start"] is not None:
                a, b = start - sentence["start"], end - sentence["start"]
                if text is not None and 0 <= a < b <= len(text):
                    mark = [a, b]
            meta = docs.get(doc, {})
            shown.append({"doc_id": doc, "sentence_index": si, "text": text, "mark": mark,
                          "title": meta.get("title"), "url": meta.get("url"), "outlet": meta.get("outlet"),
                          "date": _shown_date(meta), "source": _source_name(meta)})
            if len(shown) >= top:
                break
        group, name = labels[drill_id]
        drill[drill_id] = {"name": name, "group": group, "rows": shown}
    for prefix, fig in (("ent", entities), ("src", sources)):
        for group, payload in fig.items():
            if isinstance(payload, dict):
                for i, r in enumerate(payload["top"]):
                    drill_id = f"{prefix}-{group}-{i}"
                    r["drill"] = drill_id if drill.get(drill_id, {}).get("rows") else None
    return drill


def _collect_mentions(dataset: ds.Dataset, group_col: str, wanted: dict, top: int, hits: dict) -> None:
    """Mentions (doc_id, sentence_index, start, end) of each wanted (group, name), in scan order: the
    first mention in each of up to 2*top documents, then up to ``top`` further mentions (other sentences
    of the same documents). Streams the filtered rows; stops once every wanted name has its 2*top documents."""
    if not wanted:
        return
    names = pa.array(sorted({name for _, name in wanted}), pa.string())
    groups = pa.array(sorted({g for g, _ in wanted}), pa.string())
    where = pc.is_in(pc.coalesce(pc.field("canonical"), pc.field("text")), names) & \
        pc.is_in(pc.field(group_col), groups) & (pc.field("sentence_index") >= 0)
    key = pc.binary_join_element_wise(pc.field(group_col), _name_expr(), "\x1f")
    scanner = dataset.scanner(columns={"key": key, "doc_id": pc.field("doc_id"),
                                       "sentence_index": pc.field("sentence_index"), "start": pc.field("start"),
                                       "end": pc.field("end")}, filter=where, batch_size=65536)
    ids = {f"{g}\x1f{name}": drill_id for (g, name), drill_id in wanted.items()}
    firsts: dict[str, list] = {}
    extras: dict[str, list] = {}
    seen: dict[str, set] = {}
    docs: dict[str, set] = {}
    full: set[str] = set()
    for batch in scanner.to_batches():
        if not batch.num_rows:
            continue
        if full:
            batch = batch.filter(pc.invert(pc.is_in(batch.column("key"), pa.array(sorted(full), pa.string()))))
        for r in batch.to_pylist():
            drill_id = ids.get(r["key"])
            if drill_id is None or r["key"] in full:
                continue
            mention = (r["doc_id"], r["sentence_index"], r["start"], r["end"])
            places = seen.setdefault(drill_id, set())
            if (r["doc_id"], r["sentence_index"]) in places:
                continue  # the name twice in one sentence
            places.add((r["doc_id"], r["sentence_index"]))
            first = firsts.setdefault(drill_id, [])
            in_docs = docs.setdefault(drill_id, set())
            if r["doc_id"] not in in_docs:
                in_docs.add(r["doc_id"])
                first.append(mention)
                if len(first) >= 2 * top:
                    full.add(r["key"])
            else:
                more = extras.setdefault(drill_id, [])
                if len(more) < top:
                    more.append(mention)
        if len(full) == len(ids):
            break
    for drill_id, first in firsts.items():
        hits[drill_id] = first + extras.get(drill_id, [])


def _lookup_sentences(sentences: ds.Dataset, keys: set) -> dict:
    if not keys:
        return {}
    wanted = pa.table({"doc_id": pa.array([k[0] for k in keys], pa.string()),
                       "sentence_index": pa.array([k[1] for k in keys], pa.int32())})
    found = sentences.to_table(columns=["doc_id", "sentence_index", "start", "text"],
                               filter=pc.is_in(pc.field("doc_id"), wanted.column("doc_id").unique()))
    joined = wanted.join(found, keys=["doc_id", "sentence_index"], join_type="inner")
    return {(r["doc_id"], r["sentence_index"]): r for r in joined.to_pylist()}


def _shown_date(meta: dict) -> str | None:
    """The publication date of a drill-down row: its UTC instant when it was read, else as given."""
    when = meta.get("published_at")
    return when.strftime("%Y-%m-%d %H:%M UTC") if when is not None else meta.get("date_raw")


def _lookup_documents(documents: ds.Dataset, doc_ids: set) -> dict:
    if not doc_ids:
        return {}
    table = documents.to_table(columns=["doc_id", "title", "url", "outlet", "published_at", "date_raw",
                                        "source_uri", "member"],
                               filter=pc.is_in(pc.field("doc_id"), pa.array(sorted(doc_ids), pa.string())))
    return {r["doc_id"]: r for r in table.to_pylist()}


# --------------------------------------------------------------------------------------------
# writing


def write_report(output_dir, top: int = 20) -> Path:
    """Write ``report.html`` and ``report.json`` into the run's folder; return the HTML path."""
    out = Path(output_dir)
    figures = summarise(out, top)
    (out / "report.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    path = out / "report.html"
    path.write_text(render_html(figures), encoding="utf-8")
    return path


def terminal_summary_lines(output_dir, top: int = 5) -> list[str]:
    """A few plain lines of the report's figures, for a terminal."""
    f = summarise(output_dir, top)
    h = f["headline"]
    lines = [f"inputs {_n(h['inputs'])} = documents {h['documents']:,} + rejects {h['rejects']:,}"
             f"{'  (does NOT add up)' if h['accounting_ok'] is False else ''}",
             f"sentences {h['sentences']:,}, entities {h['entities']:,}, sources {h['sources']:,}, "
             f"clusters {h['clusters']:,}"]
    langs = f["languages"]["sentences"]
    if langs:
        lines.append("sentence languages: " + ", ".join(f"{r['lang']} {r['share']:.0%}" for r in langs[:top]))
    for t, fig in f["entities"].items():
        if fig["top"]:
            lines.append(f"top {t}: " + ", ".join(f"{r['name']} ({r['count']})" for r in fig["top"]))
    return lines


# ---- HTML -----------------------------------------------------------------------------------

def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _n(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%" if share >= 0.001 or share == 0 else "<0.1%"


def _seconds(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 90:
        return f"{value:.1f} s"
    if value < 5400:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _plural(n, word: str) -> str:
    return f"{_n(n)} {word}{'' if n == 1 else 's'}"


def _lang_name(code: str) -> str:
    name = LANG_NAMES.get(code)
    return f"{code} · {name}" if name else code


def _colour_map(keys: list[str], fixed: dict[str, str]) -> dict[str, str]:
    colours, spare = {}, iter(SPARE_COLOURS * 4)
    for k in keys:
        colours[k] = fixed.get(k) or next(spare)
    return colours


def _is_rtl(text: str) -> bool:
    """First strong character is right-to-left (Hebrew/Arabic blocks)."""
    import unicodedata

    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return True
        if bidi == "L":
            return False
    return False


def _label(x: float, y: float, text: str, limit: int = 30, cls: str = "lbl") -> str:
    """An SVG label whose right edge is at x, in its own reading direction (Arabic stays RTL)."""
    shown = text if len(text) <= limit else text[:limit - 1] + "…"
    if _is_rtl(shown):
        return (f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" direction="rtl" text-anchor="start" '
                f'style="direction:rtl;unicode-bidi:embed">{_e(shown)}</text>')
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="end">{_e(shown)}</text>'


def _svg(name: str, width: int, height: int, body: list[str], label: str, interactive: bool = False) -> str:
    role = "group" if interactive else "img"  # an img's children are hidden from screen readers
    return (f'<svg class="chart" data-chart="{_e(name)}" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
            f'height="{height:g}" role="{role}" aria-label="{_e(label)}">'
            + "".join(body) + "</svg>")


def _hbars(name: str, items: list[dict], label: str, colour: str = "#2f6db5", fmt=_n,
           label_width: int = 210, bar_width: int = 330) -> str:
    """Horizontal bars; items: {label, value, title?, drill?, colour?}."""
    if not items:
        return '<p class="empty">Nothing to show.</p>'
    row, top_pad = 24, 4
    width = label_width + bar_width + 90
    height = top_pad * 2 + row * len(items)
    vmax = max(float(i["value"] or 0) for i in items) or 1.0
    body = []
    for k, item in enumerate(items):
        y = top_pad + k * row
        value = float(item["value"] or 0)
        w = max(1.0, value / vmax * bar_width) if value > 0 else 0.0
        title = item.get("title") or f"{item['label']}: {fmt(item['value'])}"
        attrs = ' class="row"'
        if item.get("drill"):
            attrs = (f' class="row drill" data-drill="{_e(item["drill"])}" tabindex="0" role="button" '
                     f'aria-label="{_e("show sentences mentioning " + str(item["label"]))}"')
        body.append(f"<g{attrs}><title>{_e(title)}</title>"
                    f'<rect class="hit" x="0" y="{y}" width="{width}" height="{row}" fill="transparent"/>'
                    + _label(label_width - 8, y + row * 0.68, str(item["label"]))
                    + f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" '
                      f'fill="{item.get("colour") or colour}" rx="2"/>'
                    + f'<text class="num" x="{label_width + w + 6:.1f}" y="{y + row * 0.68:.1f}">'
                      f'{_e(fmt(item["value"]))}</text></g>')
    return _svg(name, width, height, body, label, interactive=any(i.get("drill") for i in items))


def _stacked(name: str, rows: list[dict], keys: list[str], colours: dict, label: str,
             label_width: int = 210, bar_width: int = 380, key_names=_lang_name) -> str:
    """100% stacked horizontal bars; rows: {label, shares: {key: share}, note?}."""
    if not rows:
        return '<p class="empty">Nothing to show.</p>'
    row, top_pad = 28, 4
    width = label_width + bar_width + 80
    height = top_pad * 2 + row * len(rows)
    body = []
    for k, r in enumerate(rows):
        y = top_pad + k * row
        body.append("<g class=\"row\">" + _label(label_width - 8, y + row * 0.65, str(r["label"])))
        x = float(label_width)
        for key in keys:
            share = r["shares"].get(key, 0.0)
            if share <= 0:
                continue
            w = share * bar_width
            body.append(f'<rect class="seg" data-key="{_e(key)}" x="{x:.2f}" y="{y + 4}" width="{max(w, 0.5):.2f}" '
                        f'height="{row - 8}" fill="{colours[key]}"><title>{_e(r["label"])} — '
                        f'{_e(key_names(key))}: {_pct(share)}</title></rect>')
            x += w
        if r.get("note"):
            body.append(f'<text class="num" x="{label_width + bar_width + 6}" y="{y + row * 0.65:.1f}">'
                        f'{_e(r["note"])}</text>')
        body.append("</g>")
    return _svg(name, width, height, body, label)


def _legend(keys: list[str], colours: dict, key_names=_lang_name) -> str:
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{colours[k]}"></i>{_e(key_names(k))}</span>' for k in keys) + "</div>"


def _columns(name: str, bins: list[dict], keys: list[str], colours: dict, label: str, x_title: str,
             y_title: str, key_names=_lang_name, edges: bool = False) -> str:
    """Vertical histogram; bins: {label, count, by_key: {key: n}} stacked in ``keys`` order.
    ``edges``: the labels are bin starts (placed at the bars' left edges) rather than categories."""
    if not bins:
        return '<p class="empty">Nothing to show.</p>'
    left, right, top_pad, bottom = 56, 12, 12, 46
    step = min(48.0, 640 / len(bins))
    plot_w = max(120, step * len(bins))
    plot_h = 190
    width, height = left + plot_w + right, top_pad + plot_h + bottom
    vmax = max(b["count"] for b in bins) or 1
    body = [f'<line class="axis" x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}"/>',
            f'<text class="tick" x="{left - 6}" y="{top_pad + 8}" text-anchor="end">{_n(vmax)}</text>',
            f'<text class="tick" x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end">0</text>',
            f'<text class="axis-title" x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">'
            f'{_e(x_title)}</text>',
            f'<text class="axis-title" transform="translate(14 {top_pad + plot_h / 2:.1f}) rotate(-90)" '
            f'text-anchor="middle">{_e(y_title)}</text>']
    every = max(1, math.ceil(len(bins) / 12))
    for k, b in enumerate(bins):
        x = left + k * step
        y = top_pad + plot_h
        parts = b.get("by_key") or {None: b["count"]}
        tip = f"{b['label']}: {_n(b['count'])}"
        if b.get("by_key"):
            tip += " (" + ", ".join(f"{key_names(k2)} {_n(v)}" for k2, v in b["by_key"].items()) + ")"
        body.append(f'<g class="col"><title>{_e(tip)}</title>')
        for key in (keys if b.get("by_key") else [None]):
            n = parts.get(key, 0)
            if not n:
                continue
            h = max(1.0, n / vmax * plot_h)
            y -= h
            body.append(f'<rect class="bar" x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                        f'height="{h:.1f}" fill="{colours.get(key, "#2f6db5")}"/>')
        body.append("</g>")
        if k % every == 0:
            tick_x = x if edges else x + step / 2
            body.append(f'<text class="tick" x="{tick_x:.1f}" y="{top_pad + plot_h + 14}" '
                        f'text-anchor="middle">{_e(b["label"])}</text>')
    return _svg(name, width, height, body, label)


def _tile(label: str, value: str, note: str = "") -> str:
    return (f'<div class="tile"><div class="tv">{_e(value)}</div><div class="tl">{_e(label)}</div>'
            + (f'<div class="tn">{_e(note)}</div>' if note else "") + "</div>")


def _card(title: str, body: str, note: str = "", wide: bool = False) -> str:
    return (f'<section class="card{" wide" if wide else ""}"><h3>{_e(title)}</h3>'
            + (f'<p class="note">{note}</p>' if note else "") + body + "</section>")


def _json_for_script(data) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_html(f: dict) -> str:
    h, run = f["headline"], f["run"]
    top = f["top"]
    problems = [*run["problems"], *run["notes"]]
    if h["accounting_ok"] is False:
        problems.insert(0, f"accounting does not add up: {h['inputs']} inputs, {h['documents']} documents + "
                           f"{h['rejects']} rejects")
    share_rej = h["rejects"] / h["inputs"] if h["inputs"] else 0.0
    tiles = "".join([
        _tile("inputs", _n(h["inputs"]), _plural(h["input_files"], "file")),
        _tile("documents", _n(h["documents"]), {True: "= inputs − rejects", False: "does not add up"}
              .get(h["accounting_ok"], "")),
        _tile("rejects", _n(h["rejects"]), _pct(share_rej) + " of inputs"),
        _tile("sentences", _n(h["sentences"]),
              f"{h['sentences'] / h['documents']:.1f} per document" if h["documents"] else ""),
        _tile("entities", _n(h["entities"]),
              _plural(sum(e["distinct"] for e in f["entities"].values()), "distinct name")),
        _tile("sources", _n(h["sources"]),
              f"{_n(f['sources'].get('cited', {}).get('mentions', 0))} cited, "
              f"{_n(f['sources'].get('agency_credit', {}).get('mentions', 0))} agency credits"),
        _tile("duplicate clusters", _n(h["clusters"]), _plural(f["dedup"]["duplicate_documents"], "duplicate doc")),
        _tile("elapsed", _seconds(h["elapsed_seconds"]), run.get("runner") or ""),
    ])

    lang_f = f["languages"]
    letters = lang_f["letters"]
    sent_langs = lang_f["sentences"]
    weight: dict[str, float] = {}
    for r in letters + sent_langs:
        weight[r["lang"]] = weight.get(r["lang"], 0.0) + r["share"]
    named = set(lang_f["by_outlet"]["langs"]) | set(_stack_langs([r["lang"] for r in sent_langs]))
    stack_keys = sorted((k for k in named if k != "other"), key=lambda k: (-weight.get(k, 0.0), k))
    lang_colours = _colour_map(stack_keys + ["other"], LANG_COLOURS)

    def fold(rows):
        shares = {}
        for r in rows:
            key = r["lang"] if r["lang"] in stack_keys else "other"
            shares[key] = shares.get(key, 0.0) + r["share"]
        return shares

    mix_rows = []
    if letters:
        mix_rows.append({"label": "letters", "shares": fold(letters)})
    if sent_langs:
        mix_rows.append({"label": "sentences", "shares": fold(sent_langs),
                         "note": _n(sum(r["sentences"] for r in sent_langs))})
    shown_keys = [k for k in stack_keys + ["other"] if any(r["shares"].get(k) for r in mix_rows)]
    letter_pct = {r["lang"]: r["share"] for r in letters}
    lang_rows = "".join(
        f'<tr><td><i class="sw" style="background:{lang_colours.get(r["lang"], lang_colours["other"])}"></i>'
        f'{_e(_lang_name(r["lang"]))}</td><td class="r">{_n(r["sentences"])}</td><td class="r">{_pct(r["share"])}</td>'
        f'<td class="r">{_pct(letter_pct.get(r["lang"], 0.0))}</td></tr>' for r in sent_langs)
    languages_card = _card(
        "Language mix",
        _stacked("language-mix", mix_rows, shown_keys, lang_colours, "share of letters and of sentences per language")
        + _legend(shown_keys, lang_colours)
        + (f'<table class="t"><tr><th>language</th><th class="r">sentences</th><th class="r">share</th>'
           f'<th class="r">letters</th></tr>{lang_rows}</table>' if lang_rows else ""),
        "Letters: each document's share of letters per language, weighted by its length. "
        "Sentences: the language given to each sentence.")

    outlet_f = lang_f["by_outlet"]
    outlet_keys = [k for k in stack_keys + ["other"] if any(o["shares"].get(k) for o in outlet_f["outlets"])]
    outlet_rows = [{"label": o["outlet"], "shares": o["shares"], "note": _plural(o["documents"], "doc")}
                   for o in outlet_f["outlets"]]
    more = outlet_f["outlet_count"] - len(outlet_rows)
    outlets_card = _card(
        f"Language mix per outlet (top {len(outlet_rows)} by documents)",
        _stacked("outlet-languages", outlet_rows, outlet_keys, lang_colours,
                 "share of letters per language, per outlet")
        + _legend(outlet_keys, lang_colours)
        + (f'<p class="note">{_n(more)} more outlets not shown.</p>' if more > 0 else ""),
        "Share of letters per language in each outlet's documents.", wide=True)

    dd = f["dedup"]
    status_colours = _colour_map([r["dup_status"] for r in dd["by_status"]], STATUS_COLOURS)
    dedup_card = _card(
        "Duplicates",
        "<h4>Documents by status</h4>"
        + _hbars("dup-status", [{"label": r["dup_status"], "value": r["documents"],
                                 "colour": status_colours[r["dup_status"]]} for r in dd["by_status"]],
                 "documents by duplicate status")
        + "<h4>Cluster sizes</h4>"
        + _columns("cluster-sizes",
                   [{"label": r["size"], "count": r["clusters"]} for r in dd["cluster_size_histogram"]],
                   [], {}, "number of clusters per cluster size", "documents in the cluster", "clusters")
        + (f'<p class="note">{_plural(h["clusters"], "cluster")} ('
           + ", ".join(f'{_e(r["kind"])} {_n(r["clusters"])}' for r in dd["clusters_by_kind"])
           + f') holding {_plural(dd["clustered_documents"], "document")}.</p>' if dd["clusters_by_kind"] else ""))

    ent_cards = []
    for t, fig in f["entities"].items():
        items = [{"label": r["name"], "value": r["count"], "drill": r.get("drill"),
                  "title": f"{r['name']}: {r['count']:,} mentions in {r['documents']:,} documents"} for r in fig["top"]]
        ent_cards.append(_card(
            f"{t} — top {len(items)}" if items else f"{t} — none found",
            _hbars(f"entities-{t}", items, f"top {t} entities by mentions", colour=ENTITY_COLOURS.get(t, "#2f6db5"))
            if items else f'<p class="empty">No {_e(t)} names were found in this run.</p>',
            f"{_plural(fig['mentions'], 'mention')} of {_plural(fig['distinct'], 'name')}" if items else ""))
    entities_html = ('<div class="grid">' + "".join(ent_cards) + "</div>"
                     '<div class="drill-panel" id="panel-ent" hidden></div>')

    src = f["sources"]
    kind_colours = {}
    src_cards = []
    for role, title in (("cited", "Cited sources"), ("agency_credit", "Agency credits"), ("publisher", "Publishers")):
        fig = src.get(role, {"top": [], "mentions": 0, "distinct": 0})
        items = [{"label": r["name"], "value": r["count"], "drill": r.get("drill"),
                  "title": f"{r['name']} ({r['kind']}): {r['count']:,} mentions in {r['documents']:,} documents"}
                 for r in fig["top"]]
        kinds = [r["kind"] for r in fig["top"]]
        kind_colours.update(_colour_map(list(dict.fromkeys(kinds)), KIND_COLOURS))
        for item, r in zip(items, fig["top"]):
            item["colour"] = kind_colours[r["kind"]]
        if items:
            body = _hbars(f"sources-{role}", items, f"{title.lower()} by mentions")
            if role == "cited":
                body += _legend(list(dict.fromkeys(kinds)), kind_colours, key_names=str)
            src_cards.append(_card(f"{title} — top {len(items)}", body,
                                   f"{_plural(fig['mentions'], 'mention')} of {_plural(fig['distinct'], 'name')}"))
        else:
            src_cards.append(_card(f"{title} — none found",
                                   f'<p class="empty">No {_e(title.lower())} were found in this run.</p>'))
    by_kind = src.get("cited_by_kind", [])
    kind_colours.update(_colour_map([r["kind"] for r in by_kind], KIND_COLOURS))
    src_cards.append(_card("Cited sources by kind",
                           _hbars("sources-kind", [{"label": r["kind"], "value": r["count"],
                                                    "colour": kind_colours[r["kind"]]} for r in by_kind],
                                  "cited sources by kind")
                           if by_kind else '<p class="empty">No cited sources were found in this run.</p>'))
    sources_html = ('<div class="grid">' + "".join(src_cards) + "</div>"
                    '<div class="drill-panel" id="panel-src" hidden></div>')

    rej = f["rejects"]
    rej_rows = "".join(
        f'<tr><td><code>{_e(r["reason"])}</code><div class="note">{_e(r["description"])}</div></td>'
        f'<td class="r">{_n(r["count"])}</td><td>'
        + "".join(f'<div class="ex"><span class="src" dir="ltr">{_e(_where(x))}</span> '
                  f'<span dir="auto">{_e(x["message"])}</span></div>' for x in r["examples"])
        + "</td></tr>" for r in rej)
    rejects_card = _card(
        "Rejects",
        (_hbars("rejects", [{"label": r["reason"], "value": r["count"], "colour": "#b83b3b"} for r in rej],
                "rejects by reason")
         + f'<table class="t"><tr><th>reason</th><th class="r">count</th><th>examples</th></tr>{rej_rows}</table>')
        if rej else '<p class="empty">No input was rejected.</p>', wide=True)

    sl = f["sentence_length"]
    sl_keys = [k for k in stack_keys + ["other"] if any(b["by_lang"].get(k) for b in sl["bins"])]
    sl_bins = [{"label": (f"{b['lo']}" if b["hi"] is not None else f"≥{b['lo']}"), "count": b["count"],
                "by_key": b["by_lang"]} for b in sl["bins"]]
    length_card = _card(
        "Sentence length",
        _columns("sentence-length", sl_bins, sl_keys, lang_colours, "sentences per length in characters",
                 f"characters (bins of {sl['bin_width'] or '—'})", "sentences", edges=True)
        + _legend(sl_keys, lang_colours)
        + (f'<p class="note">median {_n(sl["median"])}, mean {_n(sl["mean"])}, 90th percentile {_n(sl["p90"])}, '
           f'99th {_n(sl["p99"])}, longest {_n(sl["max"])} characters.</p>' if sl["count"] else ""),
        wide=True)

    stages = f["stage_seconds"]
    if stages:
        total = sum(s["seconds"] for s in stages) or 1.0
        stage_body = _hbars("stage-seconds", [{"label": s["stage"], "value": s["seconds"], "colour": "#5d6bd6",
                                               "title": f"{s['stage']}: {_seconds(s['seconds'])} "
                                                        f"({_pct(s['seconds'] / total)})"} for s in stages],
                            "seconds per stage", fmt=_seconds)
    else:
        stage_body = '<p class="empty">Per-stage timing was not recorded for this run.</p>'
    stages_card = _card("Time per stage", stage_body)

    versions = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in run["versions"].items())
    metrics = "".join(f'<tr><td>{_e(k)}</td><td class="r">{_n(v)}</td></tr>' for k, v in f["metrics"].items())
    details_card = _card(
        "Run details",
        f'<table class="t kv"><tr><td>run</td><td>{_e(run["run_id"])}</td></tr>'
        f'<tr><td>finished</td><td>{_e(run["created_utc"])}</td></tr>'
        f'<tr><td>runner</td><td>{_e(run["runner"])}</td></tr>'
        f'<tr><td>config sha256</td><td><code>{_e(run["config_sha256"])}</code></td></tr>'
        + "".join(f'<tr><td>{label}</td><td>{_e(run.get(key))}</td></tr>'
                  for key, label in (("incremental", "incremental"), ("batches", "batches"),
                                     ("skipped_inputs", "inputs skipped (already processed)"))
                  if run.get(key) is not None)
        + f'<tr><td>python</td><td>{_e(run["python"])}</td></tr>{versions}</table>'
        + (f'<details><summary>Beam counters ({len(f["metrics"])})</summary>'
           f'<table class="t">{metrics}</table></details>'
           if metrics else "")
        + f'<details><summary>Config</summary><pre>{_e(json.dumps(f["config"], ensure_ascii=False, indent=2))}</pre>'
          f'</details>', wide=True)

    problems_html = ("".join(f'<div class="problem">{_e(p)}</div>' for p in problems)) if problems else ""
    page_data = {"drilldown": f["drilldown"], "top": top}
    return TEMPLATE.format(
        title=_e(f"Run report — {run['run_id'] or Path(f['output_dir']).name}"),
        css=CSS,
        heading=_e(run["run_id"] or Path(f["output_dir"]).name),
        subtitle=_e(" · ".join(str(x) for x in (run["created_utc"], run["runner"], f["output_dir"]) if x)),
        problems=problems_html,
        tiles=tiles,
        languages=languages_card + dedup_card,
        outlets=outlets_card,
        entities=entities_html,
        sources=sources_html,
        top=top,
        rest=rejects_card + length_card + stages_card + details_card,
        data=_json_for_script(page_data),
        script=SCRIPT,
        generated=_e(f["created_utc"]),
    )


def _source_name(doc: dict) -> str | None:
    """The input file (and archive member) a document came from, by name only."""
    if not doc.get("source_uri"):
        return None
    name = Path(doc["source_uri"]).name or doc["source_uri"]
    return f"{name} › {doc['member']}" if doc.get("member") else name


def _where(example: dict) -> str:
    where = Path(example.get("input") or "").name or (example.get("input") or "")
    if example.get("member"):
        where += f" › {example['member']}"
    if example.get("record_offset") is not None:
        where += f" @{example['record_offset']}"
    return where + ":"


ENTITY_COLOURS = {"PER": "#2f6db5", "LOC": "#3a9e5c", "ORG": "#d9622b", "MISC": "#8c5cc7"}
KIND_COLOURS = {"news_agency": "#2f6db5", "official": "#d9622b", "government": "#b83b3b", "organisation": "#3a9e5c",
                "person": "#8c5cc7", "document": "#9c6b30", "anonymous": "#8a949e", "media": "#1b9aaa",
                "unknown": "#c3c9cf"}

CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans Arabic","DejaVu Sans",sans-serif;
 color:#1d2329;background:#f3f5f7}
header{background:#1d2a38;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:20px;font-weight:600}
header .sub{opacity:.75;font-size:12.5px;margin-top:3px;word-break:break-all}
main{max-width:1500px;margin:0 auto;padding:18px 24px 40px}
h2{font-size:16px;margin:26px 0 10px;color:#33414f;border-bottom:1px solid #d6dce2;padding-bottom:4px}
h3{font-size:14.5px;margin:0 0 6px}
h4{font-size:13px;margin:10px 0 4px;color:#4b5866;font-weight:600}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px}
.tile{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px #0002}
.tv{font-size:24px;font-weight:650;font-variant-numeric:tabular-nums}
.tl{color:#4b5866;font-size:12.5px;text-transform:uppercase;letter-spacing:.03em}
.tn{color:#6b7785;font-size:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:14px}
.card{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 2px #0002;min-width:0;overflow-x:auto}
.card.wide{grid-column:1/-1}
svg.chart{display:block;max-width:100%;height:auto;overflow:visible}
svg .lbl{font-size:12.5px;fill:#1d2329}
svg .num,svg .tick{font-size:11.5px;fill:#4b5866;font-variant-numeric:tabular-nums}
svg .axis-title{font-size:11.5px;fill:#6b7785}
svg .axis{stroke:#9aa5b1}
svg .drill{cursor:pointer}
svg .drill:hover .hit,svg .drill:focus .hit,svg .drill.on .hit{fill:#e8f0fb}
svg .drill:hover .lbl,svg .drill.on .lbl{text-decoration:underline}
svg .drill:focus{outline:none}
.note{color:#6b7785;font-size:12.5px;margin:2px 0 8px}
.empty{color:#6b7785;font-style:italic}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12.5px;margin:6px 0}
.legend i,.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table.t{border-collapse:collapse;margin-top:8px;width:100%;font-size:13px}
table.t th,table.t td{border-bottom:1px solid #e4e8ec;padding:4px 8px;text-align:start;vertical-align:top}
table.t th{color:#4b5866;font-weight:600}
.r{text-align:end!important;font-variant-numeric:tabular-nums}
.ex{font-size:12.5px;color:#33414f;unicode-bidi:plaintext}
.ex .src{color:#6b7785;font-family:ui-monospace,monospace;font-size:11.5px}
.problem{background:#fdecea;color:#8a1c1c;border-radius:6px;padding:8px 12px;margin:10px 0}
.drill-panel{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 3px #0003;margin-top:14px;
 border-top:3px solid #2f6db5}
.drill-panel h3 bdi{font-size:16px}
.drill-panel table td.s{unicode-bidi:plaintext;font-size:14.5px;line-height:1.7}
.drill-panel mark{background:#ffe58a;padding:0 1px;border-radius:2px}
.drill-panel .doc{font-size:12px;color:#6b7785;unicode-bidi:plaintext}
.drill-panel .doc a{color:#2f6db5}
.drill-panel .doc .meta{unicode-bidi:isolate;text-align:left}
.drill-panel button{float:right;border:1px solid #c3c9cf;background:#fff;border-radius:5px;cursor:pointer}
details{margin-top:8px}
pre{background:#f3f5f7;padding:8px;overflow:auto;font-size:12px}
footer{color:#6b7785;font-size:12px;text-align:center;margin:20px}
"""

SCRIPT = r"""
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var drill = data.drilldown || {};
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function panelFor(id) { return document.getElementById(id.indexOf('ent-') === 0 ? 'panel-ent' : 'panel-src'); }
  function show(id, scroll) {
    var d = drill[id];
    if (!d) return false;
    var panel = panelFor(id);
    panel.textContent = '';
    var close = el('button', {type: 'button', 'aria-label': 'close'}, '✕');
    close.onclick = function () { panel.hidden = true; mark(null, panel.id); };
    panel.appendChild(close);
    var h = el('h3');
    h.appendChild(el('bdi', {dir: 'auto'}, d.name));
    h.appendChild(document.createTextNode(' — ' + d.group.replace('_', ' ') + ', ' + d.rows.length +
      ' sentence' + (d.rows.length === 1 ? '' : 's') + ' (at most ' + data.top + ')'));
    panel.appendChild(h);
    var table = el('table', {'class': 't drill-table', 'data-drill': id});
    var head = el('tr');
    ['#', 'sentence', 'document'].forEach(function (t) { head.appendChild(el('th', null, t)); });
    table.appendChild(head);
    d.rows.forEach(function (r, i) {
      var tr = el('tr');
      tr.appendChild(el('td', {'class': 'r'}, String(i + 1)));
      var td = el('td', {'class': 's', dir: 'auto'});
      var text = r.text || '';
      if (r.text == null) {
        td.appendChild(el('i', null, '(sentence not in the sentences table)'));
      } else if (r.mark) {
        td.appendChild(document.createTextNode(text.slice(0, r.mark[0])));
        td.appendChild(el('mark', null, text.slice(r.mark[0], r.mark[1])));
        td.appendChild(document.createTextNode(text.slice(r.mark[1])));
      } else {
        td.textContent = text;
      }
      tr.appendChild(td);
      var doc = el('td', {'class': 'doc'});
      var title = r.title || r.source || r.doc_id;
      if (r.url && /^https?:\/\//i.test(r.url)) {
        var a = el('a', {href: r.url, rel: 'noopener noreferrer', target: '_blank', dir: 'auto'}, title);
        doc.appendChild(a);
      } else {
        doc.appendChild(el('bdi', {dir: 'auto'}, title));
      }
      var meta = el('div', {dir: 'ltr', 'class': 'meta'});
      [r.outlet, r.date, r.doc_id + ' #' + r.sentence_index].filter(function (x) { return x; })
        .forEach(function (x, k) {
          if (k) meta.appendChild(document.createTextNode(' · '));
          meta.appendChild(el('bdi', null, x));
        });
      doc.appendChild(meta);
      tr.appendChild(doc);
      table.appendChild(tr);
    });
    panel.appendChild(table);
    panel.hidden = false;
    mark(id, panel.id);
    if (scroll) panel.scrollIntoView({block: 'nearest'});
    return true;
  }
  function mark(id, panelId) {
    var prefix = panelId === 'panel-ent' ? 'ent-' : 'src-';
    document.querySelectorAll('[data-drill]').forEach(function (g) {
      if (g.getAttribute('data-drill').indexOf(prefix) === 0 && g.classList)
        g.classList.toggle('on', g.getAttribute('data-drill') === id);
    });
  }
  function pick(e) {
    var g = e.target.closest && e.target.closest('g[data-drill]');
    if (!g) return false;
    var id = g.getAttribute('data-drill');
    if (show(id, true) && history.replaceState) history.replaceState(null, '', '#drill=' + encodeURIComponent(id));
    return true;
  }
  document.addEventListener('click', pick);
  document.addEventListener('keydown', function (e) {
    if ((e.key === 'Enter' || e.key === ' ') && pick(e)) e.preventDefault();
  });
  var m = /^#drill=(.+)$/.exec(location.hash);
  if (m) show(decodeURIComponent(m[1]), true);
  document.body.setAttribute('data-ready', String(document.querySelectorAll('svg.chart').length));
})();
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header><h1>Run report · {heading}</h1><div class="sub">{subtitle}</div></header>
<main>
{problems}
<div class="tiles">{tiles}</div>
<h2>Languages and duplicates</h2>
<div class="grid">{languages}</div>
<h2>Outlets</h2>
<div class="grid">{outlets}</div>
<h2>Entities</h2>
<p class="note">Click a name to see up to {top} sentences that mention it.</p>
{entities}
<h2>Sources</h2>
<p class="note">Click a cited source or an agency credit to see the sentences that name it.</p>
{sources}
<h2>Rejects, sentences, timing</h2>
<div class="grid">{rest}</div>
</main>
<footer>newscorpus run report · generated {generated} · works offline</footer>
<script type="application/json" id="report-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

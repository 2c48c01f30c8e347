"""Sources show a display form in ``canonical`` and keep the normalised form in ``canonical_key`` (issue 21)."""
from pipeline.core.sources import SourceExtractor, SourceSettings
from pipeline.schema import SOURCES, source_row


def test_sources_read_as_written_and_keep_a_join_key():
    extractor = SourceExtractor(SourceSettings(model_spans=False))
    text = ("وقالت الصحيفة إن الوضع خطير. وذكرت وكالة الأنباء السعودية أن الوفد وصل. "
            "وقال المتحدث باسم الخارجية الإيرانية إن المحادثات مستمرة.")
    rows = {r.text: r for r in extractor.extract("d", text) if r.role == "cited"}
    paper = rows["الصحيفة"]
    assert (paper.canonical, paper.canonical_key) == ("الصحيفة", "الصحيفه")
    spokesman = rows["المتحدث باسم الخارجية الإيرانية"]
    assert spokesman.canonical == "المتحدث باسم الخارجية الإيرانية"
    assert spokesman.canonical_key == "المتحدث باسم الخارجيه الايرانيه"
    agency = next(r for r in rows.values() if r.kind == "news_agency")
    assert agency.canonical.startswith("SPA") and agency.canonical_key.startswith("spa")
    assert "canonical_key" in SOURCES.names and source_row(paper)["canonical_key"] == "الصحيفه"

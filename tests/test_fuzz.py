"""Property-based tests: random Unicode through clean -> segment -> tag never raises, offsets stay valid."""
import functools

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.core.clean import clean_text
from pipeline.core.sentences import split_sentences

ARABIC = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
LATIN = st.characters(min_codepoint=0x20, max_codepoint=0x24F)
SPECIAL = st.sampled_from(list("\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069\u061c\u0640"
                               "\x00\x07\x1b\x7f\x85\u2028\u2029\ufeff\u00a0\t\r\n.!?؟؛۔…«»“”\"()[]ﻻﺍﻟ٠١٢"))
ANY = st.characters(blacklist_categories=("Cs",))
PIECE = st.one_of(
    st.text(ARABIC, max_size=40), st.text(LATIN, max_size=40), st.text(SPECIAL, max_size=8),
    st.text(ANY, max_size=20), st.just("\n\n\n"), st.just(" \n \n "),
    st.integers(1, 3000).map(lambda n: "ب" * n),  # huge tokens
)
TEXTS = st.lists(PIECE, max_size=12).map("".join)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(TEXTS)
@example("\u06e7\u0640\u0670")  # found by this test: removing tatweel joined two marks out of canonical order
def test_clean_is_idempotent_and_strips_controls(raw):
    once = clean_text(raw).text
    assert clean_text(once).text == once
    assert not any(ch in once for ch in "\x00\x07\x1b\u202e\u200f\u0640\r")


@FUZZ
@given(TEXTS)
def test_sentence_offsets_are_valid_sorted_and_trimmed(raw):
    text = clean_text(raw).text
    previous_end = 0
    for s in split_sentences(text):
        assert previous_end <= s.start < s.end <= len(text)
        piece = text[s.start:s.end]
        assert piece == piece.strip()
        previous_end = s.end


@functools.lru_cache(maxsize=1)
def models():
    from pipeline.core.entities import EntitySettings, EntityTagger
    from pipeline.core.langspans import LanguageSegmenter, LanguageSettings
    from pipeline.core.sources import SourceExtractor, SourceSettings

    return LanguageSegmenter(LanguageSettings()), EntityTagger(EntitySettings()), SourceExtractor(SourceSettings())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_languages_entities_sources_keep_offsets_inside_the_text(raw):
    from pipeline.core.clean import normalise_for_search
    from pipeline.core.types import Document
    from pipeline.stages.segment import analyse_document

    segmenter, tagger, extractor = models()
    text = clean_text(raw).text
    doc = Document(doc_id="d", source_uri="fuzz", text=text, norm_text=normalise_for_search(text))
    analysed = analyse_document(doc, segmenter)
    for sentence in analysed.sentences:
        previous_end = sentence.start
        for span in sentence.spans:
            assert previous_end <= span.start < span.end <= sentence.end
            previous_end = span.end
    for entity in tagger.tag("d", text, analysed.sentences):
        assert text[entity.start:entity.end] == entity.text
    for source in extractor.extract("d", text, analysed.sentences, (), outlet="x", url=None):
        if source.start is not None:
            assert text[source.start:source.end] == source.text
        if source.quote_start is not None:
            assert 0 <= source.quote_start <= source.quote_end <= len(text)

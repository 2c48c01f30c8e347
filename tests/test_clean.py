from pipeline.core.clean import clean_text, normalise_for_search


def test_presentation_forms_become_letters():
    assert clean_text("ﺍﻟﻌﺮﺑﻴﺔ ﻻ").text == "العربية لا"


def test_controls_bidi_tatweel_removed_zwnj_kept():
    raw = "\u202bمـــرحبا\u202c\u200f بكم\x07 می\u200cخواهم"
    result = clean_text(raw)
    assert result.text == "مرحبا بكم می\u200cخواهم"
    assert result.stats["tatweel_removed"] == 3
    assert result.stats["bidi_controls_removed"] == 3
    assert result.stats["control_chars_removed"] == 1


def test_whitespace_and_paragraphs_normalised():
    raw = "  سطر أول\t\u00a0 كلمة  \r\n\r\n\r\n\r\nفقرة ثانية   \n"
    assert clean_text(raw).text == "سطر أول كلمة\n\nفقرة ثانية"


def test_clean_is_idempotent_on_seed(seed_text, constructed_text):
    assert clean_text(seed_text).text == seed_text
    assert clean_text(constructed_text).text == constructed_text


def test_search_form_folds_diacritics_alef_yeh_teh_digits_case():
    assert normalise_for_search("أَعْلَنَتْ الوزارةُ ١٢٣ إلى Paris") == "اعلنت الوزاره 123 الي paris"
    assert normalise_for_search("آمنة") == normalise_for_search("امنه")


# --- page junk (issue 23 item 4) ---------------------------------------------------------------
POLL_CSS_AND_SCRIPT = (
    "#vote_area2 ul { padding: 0; margin: 0; } .box_vote { zbackground: #FFFFFF; zborder:solid 1px #ccc; "
    "padding:18px; margin-bottom:10px; overflow: hidden; } .box_vote h4 { background:url(/css/net2/img/h3.png) "
    "right no-repeat; padding:10px 5px; font:bold 12px Tahoma; color: #7b7a7a; } jQuery.noConflict(); "
    "jQuery(document).ready(function(){ jQuery('#vote_form2').submit(function() { site = jQuery('input[name=site]', "
    "jQuery(this)).val(); jQuery('#vote_area2').html('انتظر لحظات...'); url = jQuery(this).attr('action'); "
    "return false; }); var plot1 = jQuery.jqplot('pie1', [[ ['a1889',247],['a1890',289],['a1891',111], "
    "['a',150],['b',100],['c',70],['d',20],['e',50],['f',10],['g',30],['h',5] ]], { gridPadding: {top:0, "
    "bottom:0}, grid: { drawBorder: false, shadow:false }, legend:{ show:false, location:'s' } }); });")


def test_css_and_script_inside_a_paragraph_are_cut_out_and_counted():
    before = "أسمعنا رأيك وشاركنا بتوقعك.. لمن ستذهب هذه الكأس؟"
    after = "من الأوفر حظاً بالفوز بكأس السوبر؟ النصر الهلال الفرص متساوية"
    result = clean_text(f"{before} {POLL_CSS_AND_SCRIPT} {after}")
    assert result.text == f"{before}\n{after}"
    assert result.stats["code_blocks_removed"] == 1
    assert result.stats["code_chars_removed"] == len(POLL_CSS_AND_SCRIPT)
    assert clean_text(result.text).text == result.text  # still idempotent


def test_prose_with_braces_or_semicolons_is_kept():
    texts = [
        "وسرايا القدس التابعة ل{الجهاد الإسلامي}، وأسفرت عن تدمير خمس سيارات؛ دون وقوع إصابات {بشرية}.",
        "Le ministre a parlé ; il a promis {des réformes} ; les syndicats {attendent} des actes.",
        "He said: first; second; third {and} {more}.",
        "The White House said it was watching closely. #vote_area2 ul { padding: 0; margin: 0; } .x { color: red; }",
    ]
    for text in texts[:3]:
        assert clean_text(text).text == text, text
    kept = clean_text(texts[3]).text
    assert kept == "The White House said it was watching closely."


def test_html_tags_and_markdown_images_are_removed_their_text_kept():
    raw = ("<p>أعلنت الوزارة <strong>اليوم</strong> عن خطة.</p><!-- ad --><br/>معايدة الموظفين\n"
           "![image 6](http://m.example.com/media/upload/00b1_AY1MAN30\nC-9.jpg)\nمعايدة منسوبي الدار")
    result = clean_text(raw)
    assert result.text == "أعلنت الوزارة اليوم عن خطة.\nمعايدة الموظفين\nمعايدة منسوبي الدار"
    assert result.stats["markup_removed"] == 5  # adjacent tags count as one removal
    assert "<" not in result.text and "](" not in result.text


def test_clean_stage_counts_the_removed_junk_in_its_metrics():
    """The counts reach the manifest as Beam metrics (clean.code_blocks_removed ...)."""
    import apache_beam as beam
    from apache_beam.metrics.metric import MetricsFilter
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.testing.util import assert_that, equal_to

    from pipeline.config import InputSettings
    from pipeline.core.types import RawRecord
    from pipeline.stages.clean import DecodeAndClean

    body = f"أسمعنا رأيك في الكأس؟ {POLL_CSS_AND_SCRIPT} من الأوفر حظاً؟"
    p = beam.Pipeline(runner="FnApiRunner", options=PipelineOptions(flags=[]))
    documents = p | beam.Create([RawRecord("in.jsonl", body, record_offset=1)]) | DecodeAndClean(InputSettings())
    assert_that(documents.documents | beam.Map(lambda d: d.text), equal_to(["أسمعنا رأيك في الكأس؟\nمن الأوفر حظاً؟"]))
    result = p.run()
    result.wait_until_finish()
    counters = {c.key.metric.name: c.committed for c in
                result.metrics().query(MetricsFilter().with_namespace("clean"))["counters"]}
    assert counters["code_blocks_removed"] == 1 and counters["code_chars_removed"] == len(POLL_CSS_AND_SCRIPT)

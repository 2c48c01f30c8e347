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

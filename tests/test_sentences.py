from pipeline.core.sentences import paragraph_bounds, split_sentences


def test_seed_has_21_sentences_french_kept_whole(seed_text):
    """The real seed article: 17 paragraphs, 21 sentences (two paragraphs carry a stray full stop of
    the original, "... انفصالها. الهجوم على أوكرانيا."), one French sentence ending in روسيا."""
    sentences = split_sentences(seed_text)
    assert len(sentences) == 21
    texts = [seed_text[s.start:s.end] for s in sentences]
    french = [t for t in texts if t.startswith("Les roquettes de calibre 122 mm")]
    assert len(french) == 1 and french[0].endswith("d’intéresser روسيا.")
    assert len(paragraph_bounds(seed_text)) == 17


def test_constructed_article_has_21_sentences_french_kept_whole(constructed_text):
    sentences = split_sentences(constructed_text)
    assert len(sentences) == 21
    texts = [constructed_text[s.start:s.end] for s in sentences]
    french = [t for t in texts if t.startswith("Selon M. Peskov")]
    assert len(french) == 1 and french[0].endswith("روسيا.")
    assert len(paragraph_bounds(constructed_text)) == 10


def test_offsets_cut_back_exactly(seed_text, constructed_text):
    for text in (seed_text, constructed_text):
        for s in split_sentences(text):
            piece = text[s.start:s.end]
            assert piece == piece.strip() and piece


def test_arabic_terminals_and_urdu_full_stop():
    text = "هل وصل الوفد؟ نعم وصل! ثم غادر؛ وانتهى الأمر. یہ ایک جملہ ہے۔ دوسرا جملہ"
    assert len(split_sentences(text)) == 6


def test_no_split_in_numbers_abbreviations_brackets_quotes():
    text = ("ارتفع المؤشر 1.5 بالمئة بحسب د. أحمد. Selon M. Dupont, etc. and more. "
            "وقال: «الوضع صعب. لكننا سنواصل» ثم غادر. وأضاف [...] أن الأمر انتهى.")
    texts = [text[s.start:s.end] for s in split_sentences(text)]
    assert texts == [
        "ارتفع المؤشر 1.5 بالمئة بحسب د. أحمد.",
        "Selon M. Dupont, etc. and more.",
        "وقال: «الوضع صعب. لكننا سنواصل» ثم غادر.",
        "وأضاف [...] أن الأمر انتهى.",
    ]


def test_newline_inside_paragraph_ends_sentence():
    text = "عنوان بلا نقطة\nسطر ثان بلا نقطة\n\nفقرة"
    result = split_sentences(text)
    assert [(s.paragraph_index, text[s.start:s.end]) for s in result] == [
        (0, "عنوان بلا نقطة"), (0, "سطر ثان بلا نقطة"), (1, "فقرة")]


def test_empty_and_whitespace_only():
    assert split_sentences("") == [] and split_sentences(" \n\n \n") == []


def test_punctuation_only_pieces_are_not_sentences():
    # issue 23 item 4: '.' and '..' were rows of the sentences table
    text = "قال الوزير إن الخطة جاهزة.\n.\n..\nوأضاف أن العام مهم. ***\n\n- -\n\n2015"
    pieces = [text[s.start:s.end] for s in split_sentences(text)]
    assert pieces == ["قال الوزير إن الخطة جاهزة.", "وأضاف أن العام مهم.", "2015"]

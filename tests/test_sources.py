"""Unit tests of the attribution ("sources") extractor: pipeline.core.sources."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipeline.core.clean import clean_text
from pipeline.core.sources import (
    KINDS,
    ROLES,
    SourceExtractor,
    SourceSettings,
    load_lexicon,
    sentences_for,
)
from pipeline.core.types import Entity

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def extractor() -> SourceExtractor:
    """The rules alone: these tests pin down rule behaviour; the learned span model, which adds rows only
    where no rule row is, has its own tests (test_sources_model.py) and is scored with the rules by the
    gold-set tests below (``evaluate`` runs the default settings)."""
    return SourceExtractor(SourceSettings(model_spans=False))


def cited(extractor: SourceExtractor, text: str, **kw):
    rows = extractor.extract("d", text, sentences_for("d", text), **kw)
    for r in rows:
        if r.start is not None:
            assert text[r.start:r.end] == r.text
        if r.quote is not None:
            assert text[r.quote_start:r.quote_end] == r.quote
    return [r for r in rows if r.role == "cited"]


def one(rows, text):
    hits = [r for r in rows if r.text == text]
    assert hits, f"{text!r} not in {[r.text for r in rows]}"
    return hits[0]


# ------------------------------------------------------------------ settings and lexicon

def test_settings_validation_names_field_and_allowed_values():
    with pytest.raises(ValueError, match="min_confidence"):
        SourceSettings(min_confidence=1.5)
    with pytest.raises(ValueError, match="roles.*cited"):
        SourceSettings(roles=("cited", "quoted"))
    with pytest.raises(ValueError, match="languages"):
        SourceSettings(languages=("ar", "de"))
    with pytest.raises(ValueError, match="max_source_tokens"):
        SourceSettings(max_source_tokens=0)
    with pytest.raises(ValueError, match="extract_quotes"):
        SourceSettings(extract_quotes="yes")
    assert SourceSettings(roles=["cited"]).roles == ("cited",)


def test_packaged_lexicon_loads_and_kinds_are_valid():
    lx = load_lexicon()
    assert lx["sources"]["tass"]["canonical"] == "TASS"
    for section in ("sources", "outlets", "people"):
        for entry in lx[section].values():
            assert entry["kind"] in KINDS


def test_user_lexicon_extends_and_overrides(tmp_path):
    user = tmp_path / "my_sources.yaml"
    user.write_text(
        "sources:\n"
        "  tass: {canonical: ITAR-TASS, kind: news_agency, aliases: [تاس]}\n"
        "  sputnik: {canonical: Sputnik, kind: news_agency, aliases: [سبوتنيك]}\n"
        "outlets:\n"
        "  mysite: {canonical: My Site, kind: media, ids: [mysite], hosts: [example.org]}\n"
        "cues:\n"
        "  ar:\n"
        "    verb: [غرد]\n",
        encoding="utf-8",
    )
    ex = SourceExtractor(SourceSettings(lexicon_path=str(user)))
    text = "وقالت وكالة تاس إن الوضع هادئ. وذكرت وكالة سبوتنيك أن الاجتماع انتهى. وغرد الوزير خالد الفلاني أن الاتفاق قريب."
    rows = cited(ex, text)
    assert one(rows, "وكالة تاس").canonical == "ITAR-TASS"
    assert one(rows, "وكالة سبوتنيك").canonical == "Sputnik"
    assert one(rows, "الوزير خالد الفلاني").kind == "official"
    pub = ex.extract("d", text, outlet="mysite")[0]
    assert (pub.role, pub.canonical) == ("publisher", "My Site")
    # the packaged cues are still there (lists are extended, not replaced)
    assert cited(ex, "وقال المتحدث باسم الوزارة أحمد علي إن الأمر انتهى.")


def test_user_lexicon_unknown_key_is_an_error(tmp_path):
    user = tmp_path / "bad.yaml"
    user.write_text("agencies: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown top-level key"):
        SourceExtractor(SourceSettings(lexicon_path=str(user)))


# ------------------------------------------------------------------ Arabic cited sources

def test_verb_subject_order_cue_at_start(extractor):
    text = "وقالت وكالة تاس الروسية للأنباء إن الزعيم وصل صباح الجمعة."
    r = one(cited(extractor, text), "وكالة تاس الروسية للأنباء")
    assert (r.kind, r.canonical, r.role) == ("news_agency", "TASS", "cited")
    assert r.cue == "وقالت"


def test_cue_in_the_middle_and_prepositional_cue(extractor):
    text = "وصل الزعيم إلى المدينة صباح الجمعة، بحسب ما ذكرت وكالة إنترفاكس."
    r = one(cited(extractor, text), "وكالة إنترفاكس")
    assert r.kind == "news_agency" and r.canonical == "Interfax"
    assert r.cue.startswith("بحسب")


def test_subject_verb_order(extractor):
    text = "الكرملين أكد أن البلدين لم يوقعا أي اتفاق."
    r = one(cited(extractor, text), "الكرملين")
    assert (r.kind, r.canonical) == ("government", "Kremlin")


def test_official_with_title_and_name_and_quote(extractor):
    text = 'وقال المتحدث باسم الكرملين دميتري بيسكوف للصحفيين إن "الزيارة ستستمر بضعة أيام أخرى".'
    r = one(cited(extractor, text), "المتحدث باسم الكرملين دميتري بيسكوف")
    assert r.kind == "official"
    assert r.canonical == "Dmitry Peskov"
    assert r.quote == "الزيارة ستستمر بضعة أيام أخرى"
    assert text[r.quote_start:r.quote_end] == r.quote


def test_guillemet_quote_after_colon(extractor):
    text = "وقال الخبير أندريه لانكوف: «لا أتوقع أن تعلن الدولتان عن أي صفقة رسمية»."
    r = one(cited(extractor, text), "الخبير أندريه لانكوف")
    assert r.kind == "person"
    assert r.quote == "لا أتوقع أن تعلن الدولتان عن أي صفقة رسمية"


def test_unmarked_speech_after_a_colon_is_the_quote(extractor):
    """Direct speech without quotation marks (the gold marks it quote: true): the rest of the sentence."""
    text = "وقال وزير الصحة خالد الفالح: نحن ماضون في تنفيذ الخطة."
    r = one(cited(extractor, text), "وزير الصحة خالد الفالح")
    assert r.quote == "نحن ماضون في تنفيذ الخطة"
    assert text[r.quote_start:r.quote_end] == r.quote


def test_unmarked_speech_ends_where_a_new_report_begins(extractor):
    """و + a speech verb (وأضاف أن) opens a new report: the colon's speech stops before it."""
    text = "وقال وزير الصحة خالد الفالح: نحن ماضون في تنفيذ الخطة، وأضاف أن الوزارة ستفتتح مستشفيات جديدة."
    assert one(cited(extractor, text), "وزير الصحة خالد الفالح").quote == "نحن ماضون في تنفيذ الخطة"


def test_speech_after_the_sources_own_participle_is_its_quote(extractor):
    """قائلا: continues the same speaker, so its speech may stand further from the source than a bare colon."""
    text = "وتحدث وزير الصحة خالد الفالح عن خطط الوزارة المستقبلية في المناطق، قائلا: نحن ماضون في تنفيذ الخطة."
    assert one(cited(extractor, text), "وزير الصحة خالد الفالح").quote == "نحن ماضون في تنفيذ الخطة"


@pytest.mark.parametrize("text, source", [
    # too many words between the source and the colon: not its speech
    ("وتحدث وزير الصحة خالد الفالح عن خطط الوزارة المستقبلية في المناطق الشمالية والجنوبية والشرقية والغربية كلها"
     " اليوم، قائلا: نحن ماضون في تنفيذ الخطة.", "وزير الصحة خالد الفالح"),
    ("وقال وزير الصحة خالد الفالح في تصريح على هامش المؤتمر الدولي أمس: نحن ماضون في تنفيذ الخطة.",
     "وزير الصحة خالد الفالح"),
    # بحسب is no speech verb: what follows its colon is the reported content, not a quotation
    ("وبحسب وزارة الصحة: الإصابات ارتفعت إلى مئة حالة اليوم.", "وزارة الصحة"),
], ids=["participle far from the source", "far from the source", "after bahasab"])
def test_no_colon_speech_far_from_the_source_or_after_a_preposition_cue(extractor, text, source):
    assert one(cited(extractor, text), source).quote is None


def test_no_cue_inside_a_quotation(extractor):
    text = "وقال الوزير: «لا أتوقع أن تعلن الدولتان عن أي صفقة رسمية»."
    texts = [r.text for r in cited(extractor, text)]
    assert texts == ["الوزير"]


def test_anonymous_sources(extractor):
    text = ("وبحسب أجهزة الاستخبارات الأمريكية، فإن روسيا تسعى للحصول على قذائف. "
            "وذكرت صحيفة نيويورك تايمز نقلا عن مسؤولين أمريكيين أن الصفقة قد تشمل أنظمة ثقيلة. "
            "إذ رفض مصدر مطلع في وزارة الدفاع الروسية التعليق.")
    rows = cited(extractor, text)
    assert one(rows, "أجهزة الاستخبارات الأمريكية").kind == "anonymous"
    assert one(rows, "مسؤولين أمريكيين").kind == "anonymous"
    assert one(rows, "مصدر مطلع في وزارة الدفاع الروسية").kind == "anonymous"
    nyt = one(rows, "صحيفة نيويورك تايمز")
    assert (nyt.kind, nyt.canonical) == ("media", "The New York Times")


def test_relayed_source_and_coreferent_agency(extractor):
    text = ("وأشارت وكالة الأنباء المركزية الكورية إلى أن كيم أبدى إعجابه. "
            'ونقلت الوكالة عن كيم قوله إن "العلاقات بين البلدين دخلت مرحلة جديدة".')
    rows = cited(extractor, text)
    agency = one(rows, "الوكالة")
    assert (agency.kind, agency.canonical) == ("news_agency", "KCNA")
    kim = one(rows, "كيم")
    assert kim.quote == "العلاقات بين البلدين دخلت مرحلة جديدة"
    assert agency.quote is None


def test_outlet_a_statement_was_given_to(extractor):
    text = 'صرح الخبير أندريه لانكوف لوكالة رويترز بأن "موسكو بحاجة إلى الذخيرة أكثر من أي وقت مضى".'
    rows = cited(extractor, text)
    reuters = one(rows, "وكالة رويترز")
    assert (reuters.kind, reuters.canonical) == ("news_agency", "Reuters")
    assert one(rows, "الخبير أندريه لانكوف").quote is not None


def test_publishers_own_interview_is_not_a_cited_outlet(extractor):
    text = "وقال مدير الإدارة محمد الفلاني لـ«عكاظ» إن العمل مستمر."
    rows = cited(extractor, text, outlet="okaz")
    assert [r.text for r in rows] == ["مدير الإدارة محمد الفلاني"]


def test_bare_name_inherits_kind_of_titled_mention(extractor):
    text = ("وقال المتحدث باسم وزارة الصحة حسام عبدالغفار إن الجثث نقلت. "
            "وأضاف عبدالغفار أن البحث مستمر.")
    r = one(cited(extractor, text), "عبدالغفار")
    assert r.kind == "official"


def test_document_source(extractor):
    text = "وذكر التقرير الذي أشرفت عليه لجنة علمية أن المراهقين هم الأكثر عرضة."
    assert one(cited(extractor, text), "التقرير").kind == "document"


def test_entities_are_optional_evidence(extractor):
    text = "وقال زيد عمرو إن الاجتماع انتهى."
    # a bare name with no role anywhere: dropped by default (its kind would be a guess) ...
    assert cited(extractor, text) == []
    # ... or typed person on request
    guess = SourceExtractor(SourceSettings(untitled_names="person"))
    assert one(cited(guess, text), "زيد عمرو").kind == "person"
    # an ORG entity makes it an organisation
    ents = [Entity("d", 0, 5, 13, "زيد عمرو", "ORG", "Zaid Amr Co", "ar", "test", 0.9)]
    rows = extractor.extract("d", text, sentences_for("d", text), entities=ents)
    assert one([r for r in rows if r.role == "cited"], "زيد عمرو").kind == "organisation"


def test_untitled_names_setting_is_validated():
    with pytest.raises(ValueError, match="untitled_names"):
        SourceSettings(untitled_names="guess")


def test_per_entity_with_a_role_before_it_makes_a_bare_name_official(extractor):
    text = ("أعرب مدير عام كرة القدم بنادي الهلال فهد المفرج عن سعادته بالمعسكر. "
            "وقال المفرج إن الفريق جاهز.")
    i = text.index("فهد المفرج")
    ents = [Entity("d", 0, i, i + 10, "فهد المفرج", "PER", "فهد المفرج", "ar", "test", 0.9)]
    rows = [r for r in extractor.extract("d", text, sentences_for("d", text), entities=ents) if r.role == "cited"]
    assert one(rows, "المفرج").kind == "official"


def test_per_entity_after_an_honorific_only_is_not_a_person_title(extractor):
    text = ("استقبل الأمير الضيوف. وأعرب معالي الأمين العام للمجلس الدكتور عبداللطيف بن راشد الزياني عن استغرابه. "
            "وشدد الدكتور الزياني على أن المجلس سيواصل عمله.")
    i = text.index("عبداللطيف")
    ents = [Entity("d", 1, i, i + len("عبداللطيف بن راشد الزياني"), "عبداللطيف بن راشد الزياني", "PER",
                   "عبداللطيف بن راشد الزياني", "ar", "test", 0.9)]
    rows = [r for r in extractor.extract("d", text, sentences_for("d", text), entities=ents) if r.role == "cited"]
    assert one(rows, "الدكتور الزياني").kind == "official"


def test_org_named_by_its_head_noun_then_bare(extractor):
    text = "أعلنت شركة موبايلي تغيير سياستها المحاسبية. وبينت \"موبايلي\" أنه تم تخفيض الأرباح."
    rows = cited(extractor, text)
    assert one(rows, "شركة موبايلي").kind == "organisation"  # the phrase ends with the name
    assert one(rows, "موبايلي").kind == "organisation"
    text = "وأعلن نادي أياكس الهولندي أن اللاعب انتقل. وأوضح أياكس أن الصفقة تمت."
    assert one(cited(extractor, text), "أياكس").kind == "organisation"


def test_org_entity_voted_person_elsewhere_is_not_an_organisation(extractor):
    text = "وقال مانشستر يونايتد إنه ضم سيرجيو روميرو حارس منتخب الأرجنتين. وقال روميرو إن اللعب للنادي حلم."
    j = text.index("سيرجيو روميرو")
    k = text.rindex("روميرو")
    ents = [Entity("d", 0, j, j + 13, "سيرجيو روميرو", "PER", "سيرجيو روميرو", "ar", "t", 0.9),
            Entity("d", 1, k, k + 6, "روميرو", "ORG", "روميرو", "ar", "t", 0.5)]
    rows = [r for r in extractor.extract("d", text, sentences_for("d", text), entities=ents) if r.role == "cited"]
    assert one(rows, "روميرو").kind == "person"  # حارس: a player, remembered from the titled mention


@pytest.mark.parametrize("text, surface, kind", [
    ("وتساءل رئيس النادي سالم خلفان عن أسباب التأخير.", "رئيس النادي سالم خلفان", "official"),
    ("ونوّه مدير الجامعة بالجهود المبذولة.", "مدير الجامعة", "official"),
    ("وثمّن الأمين العام للهيئة بالدعم الكبير.", "الأمين العام للهيئة", "official"),
    ("وشددت الوزارة على أهمية المشروع.", "الوزارة", "government"),
    ("وطالبت الجمعية بتطبيق النظام.", "الجمعية", "organisation"),
    ("ودعا رئيس المجلس إلى الحضور.", "رئيس المجلس", "official"),
    ("واعتبر المحلل الاقتصادي أن الأسعار سترتفع.", "المحلل الاقتصادي", "person"),
    ("وزاد الوزير: «نعمل على الخطة».", "الوزير", "official"),
    ("وأردف المتحدث أن العمل مستمر.", "المتحدث", "official"),
    ("واستطلعت رويترز آراء 30 محللا.", "رويترز", "news_agency"),
    ("وأوصت هيئة كبار العلماء بتقوى الله.", "هيئة كبار العلماء", "government"),
    ("أدان الأمين العام للأمم المتحدة بان كي مون، في بيان، التفجير.", "الأمين العام للأمم المتحدة بان كي مون", "official"),
    ("وقال بان كي مون في بيان إنه لا قضية تبرر استهداف المدنيين.", "بان كي مون", "official"),
    ("وعبر معاليه عن استغرابه من التصريحات.", "معاليه", "official"),
    ("وأكد المتحدث باسم حكومة الولاية هذه الحصيلة.", "المتحدث باسم حكومة الولاية", "official"),
    ("ويقول د. طارق عناية نائب الرئيس التنفيذي للشركة: «إن البرنامج جديد».",
     "د. طارق عناية نائب الرئيس التنفيذي للشركة", "official"),
    ("ونقل البيان قول الجنرال تشارلز هوبر كبير مسؤولي الدفاع في السفارة \"الإنتاج المشترك يعطي الشعب المصري والقوات المسلحة المصرية قدرات اقتصادية وأمنية قوية\".",
     "الجنرال تشارلز هوبر كبير مسؤولي الدفاع في السفارة", "official"),
    ("وتحدث الفهد بعد انتهاء اجتماع أمناء سر الاتحادات الخليجية الذي عقد يوم أمس في الكويت قائلا: \"قررنا التأجيل\".",
     "الفهد", "official"),
])
def test_more_cues_with_proclitics(extractor, text, surface, kind):
    text = "قال رئيس الاتحاد الكويتي الشيخ طلال الفهد إن البطولة تأجلت. " + text if "الفهد" in surface else text
    assert one(cited(extractor, text), surface).kind == kind


def test_agency_idioms_and_the_outlet_told_by_a_participle(extractor):
    rows = cited(extractor, "وارتفع عدد اللاجئين بنسبة كبيرة، وفقا للألمانية.")
    assert [(r.text, r.canonical, r.kind) for r in rows] == [("لألمانية", "dpa", "news_agency")]
    rows = cited(extractor, "ورفض المسؤولون التعليق قائلين لرويترز إن الأمر سري.")
    assert one(rows, "رويترز").cue.endswith(" ل") and one(rows, "رويترز").kind == "news_agency"
    credit = [r for r in extractor.extract("d", "برلين (الفرنسية) - أعلنت الحكومة خطة جديدة.")
              if r.role == "agency_credit"]
    assert [(r.text, r.canonical) for r in credit] == [("الفرنسية", "AFP")]


def test_new_cues_do_not_fire_on_their_other_senses(extractor):
    text = ("وأعلنت الشركة عبر موقعها عن تخفيض الأسعار. كما زادت بعض التكاليف نتيجة ارتفاع الأسعار. "
            "وأعلنت عدد من الجهات المختصة حالة الاستنفار القصوى، والطوارئ في عدد من المستشفيات. وزادت المصاريف التمويلية بسبب التوسعات.")
    assert [r.text for r in cited(extractor, text)] == ["الشركة"]


def test_known_institution_before_a_strong_verb(extractor):
    text = "واتهم ليتفينينكو الرئيس الروسي بإصدار أوامر بقتله، لكن الكرملين ينفي دوما تورطه في ذلك."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == [("الكرملين", "government")]
    # not after a preposition: there the subject follows the verb
    text = ("وقال وزير الخارجية عادل الجبير إن العلاقات متينة. وحول زيارة بعض القادة إلى المملكة قال عادل الجبير "
            "أن الزيارة كانت للعمرة.")
    assert [r.text for r in cited(extractor, text)] == ["وزير الخارجية عادل الجبير", "عادل الجبير"]


def test_common_words_are_not_sources(extractor):
    text = ("وتتراوح الأسعار بين مكاتب الاستقدام حسب المناطق الإدارية. "
            "ونقلت الطائرة جوا من الولايات المتحدة إلى القاعدة.")
    assert cited(extractor, text) == []


# ------------------------------------------------------------------ French and English

def test_french_cues(extractor):
    text = ("Selon M. Peskov, cité par l'agence Interfax, le dirigeant nord-coréen doit encore visiter "
            "la flotte du Pacifique.")
    rows = cited(extractor, text)
    peskov = one(rows, "M. Peskov")
    assert (peskov.kind, peskov.canonical) == ("official", "Dmitry Peskov")
    assert one(rows, "l'agence Interfax").canonical == "Interfax"


def test_french_subject_verb(extractor):
    text = "Le Kremlin a déclaré que la visite continuerait."
    assert one(cited(extractor, text), "Le Kremlin").kind == "government"


@pytest.mark.parametrize("text, source", [
    ("« Nous devons protéger les civils », a déclaré le ministre devant la presse.", "le ministre"),
    ("« We must protect civilians », said the minister during a visit to Cairo.", "the minister"),
])
def test_a_latin_subject_after_its_verb_ends_before_a_preposition(extractor, text, source):
    """(the sample's French article gave "le ministre devant" before devant, during ... were stop words)"""
    assert one(cited(extractor, text), source).kind == "official"


def test_english_cues(extractor):
    text = "The White House said the talks would continue, according to Reuters."
    rows = cited(extractor, text)
    assert one(rows, "The White House").canonical == "White House"
    assert one(rows, "Reuters").kind == "news_agency"


# ------------------------------------------------------------------ agency credits and publisher

@pytest.mark.parametrize("text, surface, canonical", [
    ("موسكو (أ ف ب) - وصل الزعيم الكوري الشمالي.", "أ ف ب", "AFP"),
    ("الرياض - واس\nأكد صاحب السمو الملكي أمير المنطقة دعمه.", "واس", "SPA (Saudi Press Agency)"),
    ("واس- جدة: التقى صاحب السمو الملكي أمير المنطقة.", "واس", "SPA (Saudi Press Agency)"),
    ("طوكيو - «رويترز»: دافع رئيس الوزراء عن سياسته.", "رويترز", "Reuters"),
    ("تراجعت أسعار النفط اليوم.\n(رويترز)", "رويترز", "Reuters"),
    ("PARIS (AFP) - Le président a parlé.", "AFP", "AFP"),
    ("Reuters - The minister spoke on Monday.", "Reuters", "Reuters"),
    ("The minister spoke on Monday. - AFP", "AFP", "AFP"),
    ("بوجومبورا - د.ب.أ: ذكر المتحدث باسم الحكومة أن الوضع هادئ.", "د.ب.أ", "dpa"),
])
def test_agency_credit_patterns(extractor, text, surface, canonical):
    rows = [r for r in extractor.extract("d", text) if r.role == "agency_credit"]
    assert [(r.text, r.canonical, r.kind) for r in rows] == [(surface, canonical, "news_agency")]
    assert text[rows[0].start:rows[0].end] == surface


def test_expansion_and_photo_credit_are_not_agency_credits(extractor):
    for text in ("ذكرت وكالة الأنباء السعودية (واس) أن الاجتماع انتهى.", "وأقيم الحفل أمس. الصور من «واس»"):
        assert [r for r in extractor.extract("d", text) if r.role == "agency_credit"] == []


def test_a_verb_after_a_document_noun_is_a_relative_clause_not_a_new_report(extractor):
    """The real seed: "ولاحظ المجلس ... في دراسة نشرت الأسبوع الماضي أن" cites the council; "نشرت" only
    says when the study came out, and "الأسبوع الماضي" is a time, not a source."""
    text = ("ولاحظ المجلس الألماني للعلاقات الخارجية في دراسة نشرت الأسبوع الماضي أن “موسكو تحتاج إلى الواردات "
            "للحفاظ على المستوى الحالي”.")
    assert [(r.text, r.cue) for r in cited(extractor, text)] == [("المجلس الألماني للعلاقات الخارجية", "ولاحظ")]
    text = "وقال معهد الدراسات في تقرير نشر الشهر الماضي إن النمو تباطأ."
    assert [r.text for r in cited(extractor, text)] == ["معهد الدراسات"]


def test_publisher_from_metadata_and_from_url(extractor):
    pub = [r for r in extractor.extract("d", "نص.", outlet="okaz") if r.role == "publisher"]
    assert [(r.canonical, r.kind, r.sentence_index, r.start, r.end) for r in pub] == [("Okaz", "media", None, None, None)]
    pub = [r for r in extractor.extract("d", "نص.", url="http://www.aleqt.com/2015/07/24/article_975925.html")
           if r.role == "publisher"]
    assert (pub[0].canonical, pub[0].cue) == ("Al Eqtisadiah", "metadata:url")
    pub = [r for r in extractor.extract("d", "نص.", outlet="spa") if r.role == "publisher"]
    assert (pub[0].canonical, pub[0].kind) == ("SPA (Saudi Press Agency)", "news_agency")
    unknown = [r for r in extractor.extract("d", "نص.", url="https://news.example.net/a") if r.role == "publisher"]
    assert (unknown[0].canonical, unknown[0].kind) == ("news.example.net", "media")
    assert [r for r in extractor.extract("d", "نص.") if r.role == "publisher"] == []


def test_roles_and_min_confidence_filter():
    text = "موسكو (أ ف ب) - وقالت وكالة تاس إن الزعيم وصل."
    only_credit = SourceExtractor(SourceSettings(roles=("agency_credit",)))
    assert {r.role for r in only_credit.extract("d", text, outlet="okaz")} == {"agency_credit"}
    strict = SourceExtractor(SourceSettings(min_confidence=0.99))
    assert all(r.confidence >= 0.99 for r in strict.extract("d", text, outlet="okaz"))
    for r in SourceExtractor().extract("d", text, outlet="okaz"):
        assert r.role in ROLES and r.kind in KINDS and 0.0 <= r.confidence <= 1.0


# ------------------------------------------------------------------ the seed article and the gold sets

def test_seed_offsets_are_valid(extractor):
    text = clean_text((ROOT / "sample_data" / "constructed_article_ar.txt").read_text(encoding="utf-8")).text
    rows = extractor.extract("seed", text, sentences_for("seed", text))
    assert len([r for r in rows if r.role == "cited"]) > 15
    for r in rows:
        assert text[r.start:r.end] == r.text
        assert r.sentence_index >= 0


def _eval_module():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import eval_sources
    finally:
        sys.path.pop(0)
    return eval_sources


def test_seed_targets():
    res = _eval_module().evaluate("seed")
    assert res["gold"] > 15
    assert res["precision"] >= 0.9, res
    assert res["recall"] >= 0.8, res


def test_dev_set_meets_the_targets_when_data_present():
    """The development set (sample(40, skip=40), annotated for this purpose) meets P >= 0.9, R >= 0.8,
    with and without the entity tagger."""
    ev = _eval_module()
    if not ev.saudinewsnet_zips():
        pytest.skip("shared SaudiNewsNet data absent")
    for entities in (True, False):
        res = ev.evaluate("dev", entities=entities)
        assert res["documents"] == 40
        assert res["precision"] >= 0.9 and res["recall"] >= 0.8, res


def test_saudinewsnet_gold_runs_when_data_present():
    ev = _eval_module()
    if not ev.saudinewsnet_zips():
        pytest.skip("shared SaudiNewsNet data absent")
    res = ev.evaluate("saudinewsnet")
    assert res["documents"] == 40
    assert res["publisher"]["precision"] == 1.0 and res["publisher"]["recall"] == 1.0
    # the first test set; its misses were studied in development later (P 0.984, R 0.897): regressions only
    assert res["precision"] >= 0.9 and res["recall"] >= 0.8, res


def test_held_out_test2_runs_when_data_present():
    """sample(40, skip=120), annotated without looking at the extractor; never tuned on (P 0.930, R 0.602
    when first measured; rules + span model 0.886 / 0.795): a regression guard, not the target."""
    ev = _eval_module()
    if not ev.saudinewsnet_zips():
        pytest.skip("shared SaudiNewsNet data absent")
    res = ev.evaluate("test2")
    assert res["documents"] == 40
    assert res["precision"] >= 0.85 and res["recall"] >= 0.7, res


def test_held_out_test3_runs_when_data_present():
    """sample(40, skip=160), annotated by a third independent pass without the extractor; P 0.952,
    R 0.619 when first measured, R 0.608 after the participle precision guards, 0.957 / 0.691 with the
    span model: a regression guard, not the target (R >= 0.8)."""
    ev = _eval_module()
    if not ev.saudinewsnet_zips():
        pytest.skip("shared SaudiNewsNet data absent")
    res = ev.evaluate("test3")
    assert res["documents"] == 40
    assert res["publisher"]["precision"] == 1.0 and res["publisher"]["recall"] == 1.0
    assert res["precision"] >= 0.9 and res["recall"] >= 0.62, res


@pytest.mark.parametrize("which, first, floor", [("test4", (0.891, 0.557), (0.85, 0.6)),
                                                  ("test5", (0.883, 0.701), (0.85, 0.7)),
                                                  ("test6", (0.855, 0.610), (0.8, 0.6)),
                                                  ("test7", (0.773, 0.518), (0.75, 0.5))])
def test_held_out_test4_to_test7_run_when_data_present(which, first, floor):
    """sample(40, skip=280 / 520 / 640 / 1040), each annotated by an independent pass that never saw the extractor;
    only their aggregates are looked at. ``first`` is P/R when first measured (rules alone for test4-6, with the
    span model of 681 articles for test7; with the model of 1,041 articles 0.866 / 0.659, 0.882 / 0.773,
    0.828 / 0.688, 0.792 / 0.545): regression guards, not the target."""
    ev = _eval_module()
    if not ev.saudinewsnet_zips():
        pytest.skip("shared SaudiNewsNet data absent")
    res = ev.evaluate(which)
    assert res["documents"] == 40
    assert res["publisher"]["precision"] == 1.0 and res["publisher"]["recall"] == 1.0
    assert res["precision"] >= floor[0] and res["recall"] >= floor[1], (res["precision"], res["recall"], first)


@pytest.mark.parametrize("which, counts", [("dev4", (82, 81, 78)), ("test4", (88, 94, 88))])
def test_second_annotations_agree_with_the_first_when_data_present(which, counts):
    """The inter-annotator check of bench/agreement_sources.py: a second, independent annotation agrees with
    the gold at P 0.963 / R 0.951 on dev4 and P 0.936 / R 1.000 on held-out test4 (span overlap and kind;
    first items, second items, agreeing pairs): each pair of files must stay consistent."""
    ev = _eval_module()
    if not ev.saudinewsnet_zips():
        pytest.skip("shared SaudiNewsNet data absent")
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import agreement_sources
    finally:
        sys.path.pop(0)
    res = agreement_sources.agreement(which, ev.DATA / f"sources_{which}_second_annotator.yaml")
    assert (res["first"], res["second"], res["agree"]) == counts, res


# ------------------------------------------------------------------ patterns found in the second dev set

def test_coordinated_second_source_is_its_own_row(extractor):
    rows = cited(extractor, "قال مسؤول محلي ومصادر بالشرطة إن 12 شخصا على الأقل قتلوا اليوم.")
    assert (one(rows, "مسؤول محلي").kind, one(rows, "مصادر بالشرطة").kind) == ("anonymous", "anonymous")
    rows = cited(extractor, "وقال علي الحسيني، رئيس بلدية طوز خورماتو، ومصدران بالشرطة، إن مهاجما فجر سترته.")
    assert one(rows, "علي الحسيني، رئيس بلدية طوز خورماتو").kind == "official"
    assert one(rows, "مصدران بالشرطة").kind == "anonymous"


def test_numeral_before_an_anonymous_head(extractor):
    rows = cited(extractor, "وفي تسجيل صوتي أكدت أربعة مصادر من طالبان أن العائلة لم تبايع الزعيم الجديد.")
    assert one(rows, "أربعة مصادر من طالبان").kind == "anonymous"


def test_statement_given_to_and_questions_asked_by(extractor):
    rows = cited(extractor, "صرح بذلك في تصريح إلى المدير العام للشؤون الزراعية بمنطقة عسير المهندس فهد بن سعيد "
                            "الفرطيش، مضيفا أن المبنى الجديد بلغت تكلفته 33 مليون ريال.")
    assert one(rows, "المدير العام للشؤون الزراعية بمنطقة عسير المهندس فهد بن سعيد الفرطيش").kind == "official"
    rows = cited(extractor, "وردا على اسئلة وكالة فرانس برس، قال مسؤول عسكري اميركي انه على علم بالحادث.")
    assert one(rows, "وكالة فرانس برس").kind == "news_agency"
    assert one(rows, "مسؤول عسكري اميركي").kind == "anonymous"
    assert not cited(extractor, "وفي تصريح صحفي أمس تحدث عن الطقس في المنطقة.")


def test_name_with_a_role_earlier_needs_no_complement(extractor):
    text = ("نفى عزام الدخيل وزير التعليم ما يتم تداوله بشأن تأجيل الدراسة. "
            "وقال الدخيل في تغريدة عبر حسابه بتويتر: \"ما يتم تداوله غير صحيح\".")
    rows = cited(extractor, text)
    assert one(rows, "عزام الدخيل وزير التعليم").kind == "official"
    assert one(rows, "الدخيل").kind == "official"


def test_also_said_needs_a_titled_subject(extractor):
    rows = cited(extractor, "ومن المرتقب ان تصل طائرات المساعدات في اليومين المقبلين كما اضاف الوزير.")
    assert one(rows, "الوزير").kind == "official"
    assert not cited(extractor, "كما زادت بعض التكاليف المباشرة نتيجة لزيادة كمية البضائع.")
    assert not cited(extractor, "كما أضاف المشروع ميزات جديدة للمستخدمين.")


def test_club_management_is_an_organisation(extractor):
    rows = cited(extractor, "أعلنت إدارة نادي الشباب المكلفة عن فتح باب الترشح لرئاسة مجلس الإدارة.")
    assert one(rows, "إدارة نادي الشباب المكلفة").kind == "organisation"


def test_one_man_with_two_titles_is_one_source(extractor):
    rows = cited(extractor, "وقال ولي العهد نائب رئيس مجلس الوزراء ووزير الداخلية الأمير محمد بن نايف إن المملكة ماضية.")
    assert [r.text for r in rows] == ["ولي العهد نائب رئيس مجلس الوزراء ووزير الداخلية الأمير محمد بن نايف"]


def test_name_between_commas_after_a_role(extractor):
    rows = cited(extractor, "وبين المتحدث الرسمي بصحة الجوف، فهد الكريع، أن تماسا كهربائيا تسبب بحريق بسيط.")
    assert one(rows, "المتحدث الرسمي بصحة الجوف، فهد الكريع").kind == "official"


def test_unnamed_official_with_a_qualifier_is_anonymous(extractor):
    rows = cited(extractor, "كشف قائد عسكري يمني موالٍ للحكومة عن أن المقاومة أعدت خطة لاستكمال التحرير.")
    assert one(rows, "قائد عسكري يمني موالٍ للحكومة").kind == "anonymous"
    rows = cited(extractor, "وقال قائد الشرطة العقيد سالم الزهراني إن التحقيق مستمر.")
    assert one(rows, "قائد الشرطة العقيد سالم الزهراني").kind == "official"


def test_phrase_ends_at_the_name_when_the_object_follows(extractor):
    text = "وثمن ممثل البرنامج الوطني «بارع» إياد نقشبندي مبادرة اللجنة التنظيمية."
    ents = [Entity("d", 0, text.index("إياد"), text.index("إياد") + len("إياد نقشبندي"), "إياد نقشبندي", "PER",
                   "إياد نقشبندي", "ar", "test", 0.9)]
    rows = cited(extractor, text, entities=ents)
    assert [r.text for r in rows] == ["ممثل البرنامج الوطني «بارع» إياد نقشبندي"]


def test_missing_space_after_a_full_stop(extractor):
    rows = cited(extractor, "نالت إعجاب جميع زوار المعرض.وأوضح مدير إدارة الخدمات الاجتماعية بأمانة المدينة "
                            "المنورة محمد المردف، أن المعرض يحوي العديد من الصور.")
    assert one(rows, "مدير إدارة الخدمات الاجتماعية بأمانة المدينة المنورة محمد المردف").kind == "official"


def test_document_named_before_jaa_fiha(extractor):
    rows = cited(extractor, "كما بعث سموه برقية شكر لفخامة الرئيس عبدالفتاح السيسي، بعد انتهاء زيارته جاء فيها: "
                            "يطيب لي أن أعرب لفخامتكم عن شكري.")
    assert [(r.text, r.kind) for r in rows] == [("برقية شكر", "document")]


def test_who_issued_the_statement_is_the_source(extractor):
    rows = cited(extractor, "وأصدرت وزارة الداخلية بياناً أوضحت فيه أن الحادث وقع أمس.")
    assert [(r.text, r.kind) for r in rows] == [("وزارة الداخلية", "government")]


def test_subject_after_bianna_without_complement(extractor):
    rows = cited(extractor, "أعلن النادي فتح باب الترشح، علما بأن الرئيس المكلف عبد الله القريني أكد لأعضاء "
                            "شرف النادي عدم قدرته على الاستمرار.")
    assert one(rows, "الرئيس المكلف عبد الله القريني").kind == "official"
    assert not [r for r in rows if r.text.startswith("لأعضاء")]


def test_second_title_after_a_name_is_a_second_person(extractor):
    rows = cited(extractor, "وقال الوزير خالد الفالح والمتحدث باسم الوزارة فهد الجبير إن الأسعار مستقرة.")
    assert [r.text for r in rows] == ["الوزير خالد الفالح", "المتحدث باسم الوزارة فهد الجبير"]


# ------------------------------------------------------------------ participle cues and other dev2 patterns

def test_participle_cites_the_subject_of_a_non_reporting_verb(extractor):
    rows = cited(extractor, "ووقف والد الشهيد أمام الحضور، مؤكدا أنهم جميعا فداء للوطن.")
    assert [(r.text, r.kind, r.cue) for r in rows] == [("والد الشهيد", "person", "مؤكدا")]
    rows = cited(extractor, "وأشاد المشرف العام على المهرجان مقبل العنزي، بنجاح التنظيم في اليوم الأخير، "
                            "مشدداً على نجاح المهرجان بشكل عام.")
    assert [r.kind for r in rows] == ["official"] and rows[0].text.startswith("المشرف العام")


def test_participle_after_a_pronoun_or_a_preposition_cites_nothing(extractor):
    assert cited(extractor, "وتحدث عن المشروع الجديد في المنطقة، مؤكدا أنه سيكتمل قريبا.") == []
    rows = cited(extractor, "صرح بذلك في تصريح إلى المدير العام للشؤون الزراعية بمنطقة عسير المهندس فهد "
                            "الفرطيش، مضيفا أن المهرجان يقام سنويا.")
    assert [r.cue for r in rows] == ["في تصريح"]


def test_participle_without_reported_content_is_no_cue(extractor):
    assert cited(extractor, "وزار وزير الصحة المستشفى مؤكدا زيارته الثانية.") == []


def test_a_relative_is_a_private_person_even_when_named_through_an_office(extractor):
    rows = cited(extractor, "قالت عائلة زعيم طالبان الراحل الملا محمد عمر اليوم الأحد إنها لم تدعم خليفته.")
    assert [r.kind for r in rows] == ["person"]


def test_relayed_source_after_a_pronoun_subject(extractor):
    rows = cited(extractor, "ونقلت عن مدرب روماني آخر ادعاءه بأن اللاعب تلقى مبلغا كبيرا.")
    assert len(rows) == 1 and rows[0].text.startswith("مدرب روماني آخر") and rows[0].cue == "ونقلت عن"


def test_reproduced_document(extractor):
    rows = cited(extractor, "وصدر أمس أمر ملكي بهذا الشأن فيما يلي نصه: بعون الله تعالى نحن سلمان بن عبدالعزيز.")
    assert [(r.text, r.kind) for r in rows] == [("أمر ملكي", "document")]


def test_outlet_publishing_a_report_or_statement(extractor):
    rows = cited(extractor, "وفي تاريخ 7 فبراير، نشر موقع (فوكوس) الألماني تصريحاً لرئيس النادي.")
    assert [r.kind for r in rows][:1] == ["media"] and rows[0].text.startswith("موقع (فوكوس)")
    assert cited(extractor, "ونشر المتطوعون صورا للحديقة بعد تنظيفها.") == []


def test_vague_groups_are_anonymous(extractor):
    rows = cited(extractor, "ويحاول النادي بحسب العديد من الصحف العالمية جلب الحارس الإسباني.")
    assert [r.kind for r in rows] == ["anonymous"] and rows[0].text.startswith("العديد من الصحف العالمية")
    rows = cited(extractor, "وانسحب عشرة من رموز الحركة من الاجتماع وفقا لرواية ثلاثة أشخاص في مجلس شورى الحركة.")
    assert [r.kind for r in rows] == ["anonymous"] and rows[0].text.startswith("ثلاثة أشخاص")


def test_participle_as_adjective_or_predicate_is_no_cue(extractor):
    assert cited(extractor, "وأنهت القوات المدعومة من الخليج حصارا حوثيا مشددا على عدن.") == []
    assert cited(extractor, "وقررت المحكمة أن فرنسا ليست مطالبة بالتحقيق في القضية.") == []


def test_participle_after_another_named_person_is_not_given_to_the_subject(extractor):
    rows = cited(extractor, "ونظم المستشفى حفلا بحضور مدير المستشفى الدكتور علي الشهري، مشيرا إلى أن الحفل سنوي.")
    assert not [r for r in rows if r.text.startswith("المستشفى")]


def test_participle_inside_reported_speech_is_not_the_reported_subject(extractor):
    rows = cited(extractor, "وقال الوزير: إن اللجنة ستحث الشركات على زيادة كفاءتها، موضحًا أن الخطة جاهزة.")
    assert [(r.text, r.cue) for r in rows] == [("الوزير", "وقال")]


# ------------------------------------------------------------------ patterns found in the third dev set

def test_plural_verb_takes_no_subject_after_it(extractor):
    """A verb before its subject is singular in Arabic: after طالبوا the noun is the object."""
    rows = cited(extractor, "ونال التصميم استحسان عدد من المواطنين، حيث طالبوا وزارة الإسكان بسرعة إنجازها.")
    assert not [r for r in rows if r.text.startswith("وزارة الإسكان")]


def test_stance_and_directive_cues(extractor):
    rows = cited(extractor, "وأبدى مدرب الفريق المصري عبدالله درويش سعادته بتواجد اللاعب مع الفريق.")
    assert [(r.text, r.kind) for r in rows] == [("مدرب الفريق المصري عبدالله درويش", "official")]
    rows = cited(extractor, "وصف رئيس مجلس الأمة الكويتي مرزوق الغانم الزيارة بأنها تصرف استفزازي.")
    # without the entity tagger the phrase runs into the object; the pipeline trims it at the name's end
    assert len(rows) == 1 and rows[0].text.startswith("رئيس مجلس الأمة الكويتي مرزوق الغانم")
    rows = cited(extractor, "ندد وزير الدفاع الأمريكي أشتون كارتر بالأنشطة المؤذية لإيران.")
    assert [r.text for r in rows] == ["وزير الدفاع الأمريكي أشتون كارتر"]
    rows = cited(extractor, "وجه الأمير جلوي بن عبدالعزيز بن مساعد، أمير منطقة نجران، بإحداث برامج تحفز الشباب.")
    assert [r.kind for r in rows] == ["official"] and rows[0].text.startswith("الأمير جلوي")


def test_ambiguous_new_cues_need_a_complement(extractor):
    assert cited(extractor, "ووجه الفريق ضربة قوية للمنافس في الشوط الثاني.") == []
    assert cited(extractor, "وعلق النادي صورة اللاعب على واجهة الملعب.") == []


def test_a_surname_with_the_article_is_not_an_object_pronoun(extractor):
    rows = cited(extractor, "ووقف الفنان أسامة الفقيه أمام الجمهور، مؤكدا أن الحفل ناجح.")
    assert [r.text for r in rows] == ["الفنان أسامة الفقيه"]


def test_abbreviated_honorific_keeps_the_name_and_gives_it_a_role(extractor):
    """م. / د. / أ. before a name are titles, not sentence ends; the surname cited later is the same official."""
    text = ('وقال المدير التنفيذي للبرنامج الوطني للمعارض م. طارق العيسى: "إن البرنامج سيدرس الطلبات". '
            "وأوضح العيسى أنه تم تطوير الضوابط.")
    rows = cited(extractor, text)
    assert [(r.text, r.kind) for r in rows] == [
        ("المدير التنفيذي للبرنامج الوطني للمعارض م. طارق العيسى", "official"), ("العيسى", "official")]


def test_quoted_name_followed_by_a_title(extractor):
    rows = cited(extractor, "من جانبه كتب “جون كولر” نائب رئيس تسويق منصة بلايستيشن على مدونة الشركة: “إن الخدمة ستسمح بالتصويت”.")
    assert [(r.text, r.kind) for r in rows] == [("“جون كولر” نائب رئيس تسويق منصة بلايستيشن", "official")]
    # without a title after it a quoted name stays a complete phrase: the words after it are the object
    rows = cited(extractor, 'ودعا "أوباما" نواب الكونغرس إلى دعم الاتفاق.')
    assert not [r for r in rows if "نواب" in r.text]


def test_surname_given_a_role_earlier_as_subject_before_the_verb(extractor):
    text = ('من جانبه كتب جون كولر نائب رئيس تسويق منصة بلايستيشن على مدونة الشركة: “إن الخدمة ستسمح بالتصويت”. '
            "أما طريقة التصويت فليست واضحة، إلا أن “كولر” قال إنه سيكتب المزيد قريبا. لكن كولر أضاف أن الموعد لم يحدد.")
    rows = cited(extractor, text)
    assert [(r.text, r.kind) for r in rows][1:] == [("كولر", "official"), ("كولر", "official")]
    # a name nobody gave a role stays out (official or private person would be a guess)
    assert cited(extractor, "لكن برودكين أضاف أن الموعد لم يحدد.") == []


def test_bracketed_name_in_a_subject_before_the_verb(extractor):
    rows = cited(extractor, "وكان موقع شبكة (أن تي في) الألمانية قد نشر في فبراير 2013 تقريراً عن الفضيحة.")
    assert [(r.text, r.kind) for r in rows] == [("موقع شبكة (أن تي في) الألمانية", "media")]


# ------------------------------------------------------------------ pronoun-subject speech verbs (this round)

def test_speech_verb_with_a_pronoun_subject_cites_the_clause_subject(extractor):
    """استند الفنان فلان على ...، وقال: the subject of the clause's first verb is the speaker."""
    rows = cited(extractor, "وأبدى وكيل إمارة الباحة، إعجابه بما نفذته المحافظة من فعاليات، وقال إن المهرجان ناجح.")
    assert [(r.text, r.kind, r.cue) for r in rows] == [("وكيل إمارة الباحة", "official", "وقال")]


def test_speech_continuation_of_a_cited_speaker_is_not_a_second_entry(extractor):
    rows = cited(extractor, "من جانبه رفض السفير حسين هريدي التصريحات، وأكد السفير في تصريحه ل»المدينة» أن "
                            "الوضع يلعب دورا في انتشار «داعش» بداخل العراق، وأوضح أنه لا يغفل أحد ذلك.")
    assert "العراق" not in [r.text for r in rows]
    assert [r.cue for r in rows if r.text == "السفير"] == ["وأكد"]


def test_speech_continuation_stops_before_a_relative_clause(extractor):
    rows = cited(extractor, "وشارك مجلس شباب المنطقة والذي يرأسه أمير المنطقة في الحفل، وأضاف أن الحفل ناجح.")
    assert all("الذي" not in r.text for r in rows)


# ------------------------------------------------------------------ patterns found in the fourth dev set

def test_appositive_between_commas_before_qad_verb(extractor):
    rows = cited(extractor, "وكان المتحدث باسم القوات المسلحة، العميد محمد سمير، قد أعلن أن المقاتلات ستحلق.")
    assert [(r.text, r.kind) for r in rows] == [("المتحدث باسم القوات المسلحة، العميد محمد سمير", "official")]
    rows = cited(extractor, "وفي الرياض، العميد محمد سمير قد أعلن أن المقاتلات ستحلق.")
    assert [r.text for r in rows] == ["العميد محمد سمير"]


def test_long_name_with_bin_then_title(extractor):
    rows = cited(extractor, "وأوضح بندر بن عبد الرحمن المهنا الرئيس التنفيذي لمجموعة ناس القابضة أن التكريم مستحق. "
                            "وأضاف المهنا أن المواقف النبيلة محل تقدير.")
    assert [(r.kind, r.cue) for r in rows] == [("official", "وأوضح"), ("official", "وأضاف")]
    assert cited(extractor, "وقال نايف بن عيسى سأرفع لمعالي وزير الثقافة الدكتور عادل الطريفي بإيقاف المؤلف.") == []


def test_an_owner_is_a_private_person_but_sahib_al_sumuw_is_a_title(extractor):
    rows = cited(extractor, "وذكر صاحب البضاعة المواطن حمدان العصيمي أن السائق أبلغه بالسرقة. "
                            "وأشار حمدان إلى أن البضاعة كثيرة.")
    assert [(r.text, r.kind) for r in rows] == [("صاحب البضاعة المواطن حمدان العصيمي", "person"), ("حمدان", "person")]
    rows = cited(extractor, "وقال صاحب السمو الملكي الأمير خالد الفيصل إن المشروع ناجح.")
    assert [r.kind for r in rows] == ["official"]


def test_documents_counted_vaguely_are_documents(extractor):
    rows = cited(extractor, "وأشارت بعض الأبحاث من قبل إلى أن معدل الضغط نحو 15.")
    assert [(r.text, r.kind) for r in rows] == [("بعض الأبحاث", "document")]
    rows = cited(extractor, "لكن أوضحت القياسات الجديدة أن الضغط أقل من نصف الرقم السابق.")
    assert [r.kind for r in rows] == ["document"]


def test_secretariat_of_an_international_organisation_is_an_organisation(extractor):
    rows = cited(extractor, "أدانت الأمانة العامة لمنظمة التعاون الإسلامي، اليوم، الهجوم الإرهابي، مؤكدة أن الإرهاب مرفوض.")
    assert rows[0].kind == "organisation" and rows[0].text == "الأمانة العامة لمنظمة التعاون الإسلامي"


def test_quoted_outlet_name_after_the_preposition_l_is_kept_whole(extractor):
    rows = cited(extractor, "ووفقًا لصحيفة “ديلي ميل” البريطانية فإن المناخ رقيق.")
    assert [(r.text, r.kind) for r in rows] == [("صحيفة “ديلي ميل”", "media")]
    rows = cited(extractor, 'وقال الوزير لصحيفة "عكاظ" إن الخطة جاهزة.')
    assert [r.text for r in rows] == ["الوزير", 'صحيفة "عكاظ"']


def test_website_of_a_newspaper_is_one_source_not_a_recipient(extractor):
    rows = cited(extractor, "ووفقًا للموقع الإلكتروني لصحيفة “ديلي ميل” البريطانية كشفت المعلومات أن المناخ رقيق.")
    assert rows[0].text == "لموقع الإلكتروني لصحيفة “ديلي ميل”"  # (للموقع: the span starts after the ل)
    assert not [r for r in rows if r.cue.endswith(" ل")]


def test_an_unnamed_speaker_an_mp_and_a_thinker(extractor):
    rows = cited(extractor, "وفي لفتة أخرى أشار أحدهم أن وضع الزهور على القبور بدعة.")
    assert [(r.text, r.kind) for r in rows] == [("أحدهم", "anonymous")]
    rows = cited(extractor, "وقال النائب في تعليقه على البيان \"لا شك أن ما تحقق كبير\".")
    assert [(r.text, r.kind) for r in rows] == [("النائب", "official")]
    rows = cited(extractor, "المفكر العراقي فاضل الربعي قال إن الفوضى لم تبدأ بعد.")
    assert [(r.text, r.kind) for r in rows] == [("المفكر العراقي فاضل الربعي", "person")]


def test_participle_with_a_recipient_pronoun_before_its_content(extractor):
    rows = cited(extractor, "وقدم مدير الفئات السنية بدر الحقباني درع النادي، مؤكداً لهم أن الإدارة ترحب بزياراتهم.")
    assert [(r.kind, r.cue) for r in rows] == [("official", "مؤكداً")] and rows[0].text.startswith("مدير الفئات السنية")


# ------------------------------------------------------------------ patterns found in dev5-dev7

def test_appeal_criticism_and_cause_verbs_are_cues(extractor):
    rows = cited(extractor, "وناشدت وزارة الصحة المواطنين بضرورة التطعيم قبل السفر.")
    assert [(r.text, r.kind) for r in rows] == [("وزارة الصحة", "government")]
    rows = cited(extractor, "وتطرق وزير الخارجية المصري إلى أن العلاقات بين البلدين استراتيجية.")
    assert [(r.text, r.kind) for r in rows] == [("وزير الخارجية المصري", "official")]
    rows = cited(extractor, "ويعتقد بعض العلماء أن البروتين يسبب المرض.")
    assert [(r.text, r.kind) for r in rows] == [("بعض العلماء", "anonymous")]


def test_object_after_a_definite_body_is_not_part_of_the_source(extractor):
    rows = cited(extractor, "وأرجع البنك سبب الارتفاع في الأرباح إلى الزيادة في دخل العمليات.")
    assert [(r.text, r.kind) for r in rows] == [("البنك", "organisation")]
    rows = cited(extractor, "وأعلنت وزارة التجارة والصناعة أن الأسعار مستقرة.")
    assert [r.text for r in rows] == ["وزارة التجارة والصناعة"]
    rows = cited(extractor, "وأعلنت جامعة الملك سعود أن القبول مفتوح.")
    assert [r.text for r in rows] == ["جامعة الملك سعود"]


def test_verbal_noun_after_a_preposition_is_no_cue(extractor):
    assert cited(extractor, "ويهدف المعرض إلى دعم المبادرات، فضلاً عن حث الشباب على طرح أفكارهم.") == []


def test_addressees_of_an_appeal_are_not_part_of_the_source(extractor):
    rows = cited(extractor, "وحث العقيد الشريف جميع المواطنين والمقيمين على التعاون.")
    assert [(r.text, r.kind) for r in rows] == [("العقيد الشريف", "official")]


def test_surname_read_as_a_clitic_still_matches_the_named_official(extractor):
    """فالون looks like ف + الون to the name test; it is still the surname of مايكل فالون."""
    rows = cited(extractor, 'قال وزير الدفاع البريطاني مايكل فالون: إن بريطانيا ستمدد الضربات. '
                            'واعتبر "فالون" أن "معركة العراق معركة العالم".')
    assert [(r.text, r.kind) for r in rows][1:] == [("فالون", "official")]


def test_antecedent_of_a_relative_clause_speaks(extractor):
    rows = cited(extractor, "إلا أنه اصطدم بقناعات المدرب السويسري غروس الذي أكد أن إمكانات اللاعب لا تتناسب وطريقته.")
    assert [(r.text, r.kind) for r in rows] == [("المدرب السويسري غروس", "official")]
    rows = cited(extractor, "واتفقت مع جورج براوتشلير، المدعي العام للمقاطعة، الذي قال إن المتهم كان يعلم.")
    assert [r.text for r in rows] == ["المدعي العام للمقاطعة"]
    assert cited(extractor, "وهو الاتفاق الذي تقول إنه ضمن عدم حصول إيران على السلاح.") == []


def test_name_inside_the_office_of_an_unnamed_source_keeps_it_anonymous(extractor):
    rows = cited(extractor, "وأوضح مسؤول مطلع في مكتب الرئيس اليمني عبد ربه منصور هادي أن الاجتماع تأجل.")
    assert [r.kind for r in rows] == ["anonymous"]


def test_reports_of_a_named_author_are_documents_reports_of_outlets_stay_anonymous(extractor):
    rows = cited(extractor, "وفقا لتقارير حكم و مراقب المباراة ومقيم الحكام فإن اللاعب طرد.")
    assert [r.kind for r in rows] == ["document"]
    for text in ("وذكرت تقارير إعلامية أن اللاعب انتقل.", "وأشارت تقارير غريبة إلى أن التنظيم يستخدم الدجاج."):
        assert [r.kind for r in cited(extractor, text)] == ["anonymous"]


def test_airport_and_feminine_roles(extractor):
    rows = cited(extractor, "وأعلن مطار الملك خالد الدولي أن الرحلات متأخرة.")
    assert [r.kind for r in rows] == ["government"]
    rows = cited(extractor, "وقالت الشاعرة البحرينية سمية جميلي إن الشعر حياة.")
    assert [r.kind for r in rows] == ["person"]


def test_outlet_told_after_the_sources_complement(extractor):
    rows = cited(extractor, "وقالت وزيرة الثقافة في مالي راماتولاي ديالو ل«رويترز»: «تدور إعادة البناء حول شيء أكبر».")
    assert [(r.kind, r.cue) for r in rows] == [("official", "وقالت"), ("news_agency", "وقالت ل")]


def test_according_to_what_x_said_with_an_object_pronoun(extractor):
    rows = cited(extractor, "أعاد عمال بناء تشييد ثمانية أضرحة، حسب ما قالته الأمم المتحدة ومسؤولون في مالي.")
    assert [(r.text, r.kind) for r in rows] == [("الأمم المتحدة", "organisation"), ("مسؤولون", "anonymous")]


def test_promises_protesters_secretaries_and_adverbs_before_the_subject(extractor):
    assert [(r.text, r.kind) for r in cited(extractor, "ووعد المسؤولون في البلدية بفتح تحقيق عاجل.")] == \
        [("المسؤولون", "anonymous")]
    assert [(r.text, r.kind) for r in cited(extractor, "وفي سينسيناتي، طالب محتجون بنشر صور الاعتقال.")] == \
        [("محتجون", "anonymous")]
    rows = cited(extractor, "وقال السكرتير الإعلامي للجنة العسكرية بتعز عبدالله الشرعبي، إن الدمج مهم.")
    assert [r.kind for r in rows] == ["official"]
    rows = cited(extractor, "يؤكد دوما قائد الأوركسترا المخضرم أن أهم أدوار القائد التحفيز.")
    assert [r.text for r in rows] == ["قائد الأوركسترا المخضرم"]


def test_titled_subject_before_the_verb_wins_over_a_bare_object_after_it(extractor):
    rows = cited(extractor, "وكانت السلطات المغربية اعلنت الثلاثاء تفكيك خلية ارهابية.")
    assert [(r.text, r.kind) for r in rows] == [("السلطات المغربية", "government")]


def test_name_after_a_title_with_prepositional_complements_is_remembered(extractor):
    rows = cited(extractor, "صرح المتحدث الرسمي للهلال الأحمر بالباحة عماد منسي الزهراني بأن البلاغ وصل. "
                            "وأوضح الزهراني أن الحالة خطيرة.")
    assert [(r.text, r.kind) for r in rows][1:] == [("الزهراني", "official")]


def test_ibban_during_is_no_cue(extractor):
    assert cited(extractor, "وكان نظيف رئيسا للوزراء إبان الرئيس الأسبق حسني مبارك.") == []


def test_plural_outlets_results_duals_and_present_tense_concern(extractor):
    assert [(r.text, r.kind) for r in cited(extractor, "وكانت صحف أرجنتينية أكدت أن اللاعب يحتاج إلى جراحة.")] == \
        [("صحف أرجنتينية", "anonymous")]
    assert [r.kind for r in cited(extractor, "وأظهرت الفحوصات الطبية وجود تمزق في الأربطة.")] == ["document"]
    assert [r.text for r in cited(extractor, "وأكد الرئيسان أنهما سيعززان جهودهما.")] == ["الرئيسان"]
    assert [(r.text, r.kind) for r in cited(extractor, "ويعرب الخبراء عن القلق بشأن صحة سكان المدن.")] == \
        [("الخبراء", "anonymous")]


def test_backward_subject_does_not_cross_an_object(extractor):
    assert cited(extractor, "وأوضح أن غرفة العمليات تلقت بلاغاً من شخص يفيد بوقوع حادث.") == []


def test_an_outlets_link_line_repeating_the_headline_is_not_an_attribution(extractor):
    rows = cited(extractor, "وشدد الوزير على أن الخطة جاهزة.\nرابط الخبر بصحيفة الوئام: الزياني يعرب عن استغرابه من التصريحات")
    assert [r.text for r in rows] == ["الوزير"]


def test_credit_only_alias_is_a_credit_but_not_a_cited_phrase(extractor):
    text = "المنامة (بنا) - أعلنت الوزارة أن الخطة جاهزة."
    rows = extractor.extract("d", text, sentences_for("d", text))
    assert [(r.text, r.role, r.canonical) for r in rows if r.role == "agency_credit"] == [("بنا", "agency_credit", "BNA")]
    assert cited(extractor, "إن مملكة الأفكار المحيطة بنا لا تكشف عن نفسها بسهولة.") == []


def test_other_people_and_unnamed_media_are_anonymous(extractor):
    assert [r.kind for r in cited(extractor, "فيما أشار آخرون الى انكسار شدة الحرارة.")] == ["anonymous"]
    assert [r.kind for r in cited(extractor, "أفادت وسائل إعلامية لبنانية رسمية، أنّ المسؤول توفي.")] == ["anonymous"]


def test_conformity_to_a_rule_is_not_a_source(extractor):
    for text in ("وفقا لميثاق روما يمكن لمجلس الأمن إحالة القضية إلى المحكمة.", "وفقا للائحة الجديدة يمنع التدخين.",
                 "وحسب معايير التصنيف فإن الفندق ممتاز."):
        assert cited(extractor, text) == [], text
    assert [r.kind for r in cited(extractor, "وفقا لمصادر مطلعة فإن القرار ملزم.")] == ["anonymous"]


def test_an_anonymous_head_with_a_plain_noun_is_not_a_name(extractor):
    assert [(r.text, r.kind) for r in cited(extractor, "ويؤكد خبراء القانون بأن القرار ملزم.")] == \
        [("خبراء القانون", "anonymous")]


def _per(text, name):
    s = text.index(name)
    return Entity("d", 0, s, s + len(name), name, "PER", name, "ar", "test", 0.9)


def test_a_bare_tagged_name_speaking_directly_is_a_private_person(extractor):
    text = "وقال عثمان علي “حطام العربة كانت هناك”."
    rows = cited(extractor, text, entities=[_per(text, "عثمان علي")])
    assert [(r.text, r.kind) for r in rows] == [("عثمان علي", "person")]
    text = "قال الله تعالى: {إن الصلاة تنهى عن الفحشاء}."
    assert cited(extractor, text, entities=[_per(text, "الله تعالى")]) == []
    text = "وقال محمد العلي إن الوضع جيد."  # no tagger evidence: still dropped (official or person is a guess)
    assert cited(extractor, text) == []


def test_courtesy_thanks_cite_the_one_who_thanks(extractor):
    rows = cited(extractor, "وقدم الرائد فيصل السحيباني شكره لكل المشاركين.")
    assert [(r.text, r.kind) for r in rows] == [("الرائد فيصل السحيباني", "official")]
    rows = cited(extractor, "من جانبه، رفع أمين الطائف المهندس محمد المخرج الشكر والتقدير للأمير خالد الفيصل على دعمه.")
    assert [r.text for r in rows] == ["أمين الطائف المهندس محمد المخرج"]
    assert [r.text for r in cited(extractor, "وتقدم رئيس النادي بالشكر للجماهير على وقفتها.")] == ["رئيس النادي"]
    assert [r.text for r in cited(extractor, "وشكر رئيس الجمعية الحضور على مشاركتهم.")] == ["رئيس الجمعية"]
    for text in ("وقدم اللاعب أداء رائعا في المباراة.", "ورفع الفريق رصيده إلى عشر نقاط.",
                 "وقدم الشكر لكل من ساهم في نجاح الحفل.", "وشكر المديرية العامة للسجون على إتاحة الفرصة."):
        assert cited(extractor, text) == [], text  # no thanks given / pronoun subjects
    # وشكر here is a noun ("and the thanks of"): the ambassador once, not أبناء الجالية
    rows = cited(extractor, "وقدّم السفير شكره وشكر أبناء الجالية للمسؤولين على الدعم.")
    assert [r.text for r in rows] == ["السفير"]


def test_a_time_word_may_stand_between_the_source_and_its_preposition(extractor):
    rows = cited(extractor, "إلى ذلك، أشارت تقارير تركية أمس إلى هجمات جديدة على مستشفى.")
    assert [(r.text, r.kind) for r in rows] == [("تقارير تركية", "anonymous")]


def test_envoys_and_armed_wings(extractor):
    rows = cited(extractor, "وأعرب المبعوث الأممي إلى اليمن، عن أمله في أن يقوم بزيارة عدن.")
    assert [(r.text, r.kind) for r in rows] == [("المبعوث الأممي", "official")]
    rows = cited(extractor, "وقال الجناح المسلح للحزب الكردستاني في بيان إن الهجوم نفذ صباحا.")
    assert [(r.text, r.kind) for r in rows] == [("الجناح المسلح للحزب الكردستاني", "organisation")]


def test_the_one_told_is_not_the_source(extractor):
    text = "أبلغ وزير الخارجية السوري وليد المعلم المبعوث الأممي ستيفان دي ميستورا تمسك النظام بالمبادرة."
    assert [r.text for r in cited(extractor, text)] == ["وزير الخارجية السوري وليد المعلم"]
    # a feminine verb: the masculine office after it is whom she told, not her
    assert cited(extractor, "وأبلغت المبعوث الدولي استعدادها للمشاركة في المؤتمر.") == []


def test_a_family_name_with_al_goes_on_to_its_role(extractor):
    rows = cited(extractor, "وقال إبراهيم آل مرعي المحلل السياسي إن الوضع جيد.")
    assert [(r.text, r.kind) for r in rows] == [("إبراهيم آل مرعي المحلل السياسي", "person")]


def test_a_name_and_its_appositive_role_before_the_verb(extractor):
    text = "لكن دوج براون، مدير الأبحاث في جمعية الزهايمر في المملكة المتحدة، يقول إن كلاهما لديه دور."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == \
        [("دوج براون، مدير الأبحاث في جمعية الزهايمر في المملكة المتحدة", "official")]
    text = "سول بيكيوتو، الأستاذ الفخري في جامعة لانكستر، يقول إن القضايا سياسية."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == [("سول بيكيوتو، الأستاذ الفخري في جامعة لانكستر", "person")]
    # the phrase never starts at the comma (it used to be "، مدير الأبحاث")
    assert [r.text for r in cited(extractor, "لكن دوج براون، مدير الأبحاث، قد قال إن الأدلة كافية.")] == \
        ["دوج براون، مدير الأبحاث"]


def test_international_bodies_and_unions_by_bare_name(extractor):
    for text, span, canonical in (("وحذرت الأونروا من تدهور الوضع في المخيم.", "الأونروا", "UNRWA"),
                                  ("وقالت هيومن رايتس ووتش إن الانتهاكات مستمرة.", "هيومن رايتس ووتش", "Human Rights Watch"),
                                  ("وقال حلف شمال الأطلسي إن الطائرات عادت.", "حلف شمال الأطلسي", "NATO")):
        rows = cited(extractor, text)
        assert [(r.text, r.kind, r.canonical) for r in rows] == [(span, "organisation", canonical)], text
    assert [(r.text, r.kind) for r in cited(extractor, "لكن نقابات العمال تقول إنها ستؤدي إلى بلبلة.")] == \
        [("نقابات العمال", "organisation")]
    assert [(r.text, r.kind) for r in cited(extractor, "وتشير التحليلات الفنية إلى أن الأسعار ستتراجع.")] == \
        [("التحليلات الفنية", "document")]


def test_a_titled_subject_before_the_verb_wins_over_one_word_after_it(extractor):
    text = "وكانت السلطات المغربية اعلنت الثلاثاء تفكيك «خلية ارهابية تتألف من ثمانية اعضاء»."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == [("السلطات المغربية", "government")]
    text = "في الوقت نفسه، فإن الشركة أكدت توقعاتها للعام ككل."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == [("الشركة", "organisation")]
    # only at a clause start or after كان / أن: not "أظهرت [وكالة رويترز صور] توضح الهاتف"
    assert cited(extractor, "أظهرت وكالة رويترز صور توضح الهاتف المحمول بجانب أول هاتف.") == []
    text = "وكان المدرب يرغب في ضمه إلا أن الفحوصات أكدت عدم تمكنه من المشاركة."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == [("الفحوصات", "document")]


def test_kingdoms_republics_and_security_services_are_governments(extractor):
    text = "استنكرت مملكة البحرين وبشدة تصريحات المالكي ضد المملكة، معتبرة أنها تدخل سافر."
    assert [(r.text, r.kind) for r in cited(extractor, text)][:1] == [("مملكة البحرين", "government")]
    text = "من جهتها أعلنت الأجهزة الأمنية الفلسطينية مساء الجمعة عزمها على ملاحقة المستوطنين."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == [("الأجهزة الأمنية الفلسطينية", "government")]


def test_the_speaker_of_a_speech_in_which_something_is_said(extractor):
    text = "ثم ألقى معالي وزير الخارجية عادل الجبير كلمة أعرب فيها عن شكره لسمو الأمير."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == [("معالي وزير الخارجية عادل الجبير", "official")]
    text = "وألقى رئيس الجامعة كلمة أكد فيها أن الطلاب هم الثروة."
    assert [r.text for r in cited(extractor, text)] == ["رئيس الجامعة"]  # not "رئيس الجامعة كلمة"


def test_young_people_parents_and_presenters_are_persons(extractor):
    assert [(r.text, r.kind) for r in cited(extractor, "وأوضح الشاب أنه يحتاج إلى غسيل كلوي ثلاث مرات أسبوعيا.")] == \
        [("الشاب", "person")]
    assert [(r.text, r.kind) for r in cited(extractor, "وكتب الأب عيد البنا: “تمت خطبة ابنتي اليوم”.")] == \
        [("الأب عيد البنا", "person")]
    assert [(r.text, r.kind) for r in cited(extractor, "ويضيف مقدم البرنامج “سيكون البرنامج منوعا”.")] == \
        [("مقدم البرنامج", "person")]


def test_a_state_agency_is_a_government_a_media_agency_a_news_agency(extractor):
    for text, kind in (("قالت وكالة إدارة الطوارئ الوطنية النيجيرية إن انتحاريا فجر نفسه.", "government"),
                       ("وقالت وكالة الفضاء الأمريكية إن المسبار وصل.", "government"),
                       ("وقالت وكالة الطاقة الدولية إن الطلب سيرتفع.", "organisation"),
                       ("وذكرت وكالة الإعلام الوطنية اللبنانية أن الطريق أغلق.", "news_agency")):
        assert [r.kind for r in cited(extractor, text)] == [kind], text


def test_those_in_charge_speak_for_their_body_and_some_is_anonymous(extractor):
    text = "أكد القائمون على شركة الصدف بأنهم سخروا كل الإمكانات لتصوير المسلسل."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == [("القائمون على شركة الصدف", "organisation")]
    text = "وأكد القائمون على المهرجان أن الفعاليات مستمرة."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == [("القائمون على المهرجان", "anonymous")]
    assert [(r.text, r.kind) for r in cited(extractor, "وإذ يرى البعض أن هذه الصور غريبة.")] == [("البعض", "anonymous")]
    assert [r.text for r in cited(extractor, "ووصف آخرون بعض النقاط في الاتفاق بأنها غامضة.")] == ["آخرون"]


def test_a_relative_clause_between_commas_does_not_hide_the_content(extractor):
    text = "وأضاف المسؤول، الذي طلب عدم نشر اسمه، أن الهجوم الأول وقع داخل السوق."
    assert [(r.text, r.kind) for r in cited(extractor, text)] == [("المسؤول", "anonymous")]


def test_more_lexicon_from_the_eleventh_dev_set(extractor):
    for text, span, kind in (
            ("أوضح الكابتن الطيار سليمان المحيميدي عبر حسابه الرسمي أن التدخين ممنوع.", "الكابتن الطيار سليمان المحيميدي", "person"),
            ("دانت دولة الإمارات بأشد العبارات الجريمة الإرهابية.", "دولة الإمارات", "government"),
            ("أعلنت الخدمة المدنية عن موعد نتائج الترشيح.", "الخدمة المدنية", "government")):
        assert [(r.text, r.kind) for r in cited(extractor, text)] == [(span, kind)], text
    rows = cited(extractor, "أكد أكثر من مصدر في لبنان اختطاف خمسة مواطنين.")
    assert [r.kind for r in rows] == ["anonymous"] and rows[0].text.startswith("أكثر من مصدر في لبنان")
    assert cited(extractor, "ويتم ذلك وفقاً للمبادرة الخليجية وآليتها التنفيذية.") == []  # conformity, not a source


def test_an_unnamed_indefinite_expert_is_anonymous(extractor):
    assert [(r.text, r.kind) for r in cited(extractor, "وقال باحث اجتماعي إن الظاهرة تتسع.")] == \
        [("باحث اجتماعي", "anonymous")]
    assert [r.kind for r in cited(extractor, "وقال لاعب التعاون الجديد إنه سعيد بالانتقال.")] == ["person"]
    assert [r.kind for r in cited(extractor, "وقال الشاعر إن القصيدة قديمة.")] == ["person"]


def test_the_unnamed_sources_an_outlet_learnt_from(extractor):
    rows = cited(extractor, "علمت \"سبق\" من مصادرها بأن إدارة النادي ستوقع اتفاقية.")
    assert [(r.text, r.kind, r.cue) for r in rows] == [("مصادرها", "anonymous", "علمت من")]
    rows = cited(extractor, "علمت مصادر \"دنيا الرياضة\" أن وفدا من النادي سيتوجه إلى الدوحة.")
    assert [(r.text, r.kind) for r in rows] == [("مصادر \"دنيا الرياضة\"", "anonymous")]
    assert cited(extractor, "كما علمت أن الوفد وصل.") == []  # a pronoun subject, nobody named


def test_who_told_the_outlet_before_the_verb(extractor):
    text = "مصادر ميدانية في المنطقة أبلغت «الشرق الأوسط» أن الأهالي نزحوا."
    rows = extractor.extract("d", text, sentences_for("d", text), outlet="aawsat")
    assert [(r.text, r.kind) for r in rows if r.role == "cited"] == [("مصادر ميدانية في المنطقة", "anonymous")]


def test_a_name_after_an_abbreviated_honorific_is_remembered(extractor):
    text = ("أكد القنصل العام في لوس أنجلوس السفير د. فيصل السديري أن الحرائق بعيدة. "
            "وقال السديري في بيان صحفي: \"إن الموضوع محل اهتمام القنصلية\".")
    rows = cited(extractor, text)
    assert ("السديري", "official") in [(r.text, r.kind) for r in rows]


def test_a_long_role_with_a_prepositional_complement_still_names_its_holder(extractor):
    text = ("دعا نائب أمين عام الحوار الوطني والقيادي في الثورة الشبابية ياسر الرعيني الحكومة بالعمل الجاد. "
            "وأكد الرعيني في تصريحات ل «عكاظ» على ضرورة الاهتمام بالنازحين.")
    assert ("الرعيني", "official") in [(r.text, r.kind) for r in cited(extractor, text)]


def test_common_occupations_are_persons(extractor):
    for text, span in (("من جانبه، أكد رجل الأعمال محمد باوزير أن الأسعار مناسبة.", "رجل الأعمال محمد باوزير"),
                       ("وأكد الصراف رائد عبدالسلام أن اليورو مطلوب.", "الصراف رائد عبدالسلام")):
        assert [(r.text, r.kind) for r in cited(extractor, text)] == [(span, "person")], text
    # no title word may fold onto a common word: إمام is أمام ("in front of") after normalisation, الحرفي "literal"
    assert not {"امام", "الحرفي", "الصحفي"} & extractor._all_title_words


def test_an_unnamed_officer_is_anonymous_like_an_unnamed_official(extractor):
    assert [(r.text, r.kind) for r in cited(extractor, "وكشف ضابط موال لجماعة الحوثي أن القوات انسحبت.")] == \
        [("ضابط موال لجماعة الحوثي", "anonymous")]

"""Attribution ("sources"): who an article cites, who published it, and which agency it credits.

Rule-based and pure Python (no Beam, no I/O beyond reading the packaged lexicon once):

- ``cited`` rows come from attribution cues (قال، ذكرت، بحسب، وفقا ل، نقلا عن، selon, according to,
  said ...). The source is the whole noun phrase next to the cue: after it for verb-subject order
  (وقالت وكالة تاس ...) and prepositional cues (بحسب X), before it for subject-verb order
  (the Kremlin said, M. Peskov a déclaré), after ``عن`` for ``نقل عن``, and after ``ل`` for the
  outlet a statement was given to (صرح ... لوكالة رويترز). A quotation (“ ” « » " ") that follows
  the cue and the source closely is attached as the quote.
- ``agency_credit`` rows come from credit patterns: ``(أ ف ب)``, ``(رويترز)``, ``الرياض - واس``,
  ``واس- جدة:``, ``- AFP``, ``Reuters -`` and a bare ``«رويترز»`` or ``(واس)`` signing off the text.
- ``publisher`` rows come from the input's metadata (``outlet``, else the URL's host).

A source's kind comes from its head word (titles / bodies in the lexicon), a known alias, or the
text's memory of names: a name seen after a role (وزير الخارجية عادل الجبير, or a PER entity with a
role just before it) is an official or a person; a name after an organisation's head noun (شركة
موبايلي، نادي أياكس) or an ORG entity (by majority over its mentions) is an organisation. A bare name
with none of that evidence is dropped (``untitled_names="drop"``) rather than guessed.

Everything the rules know by name lives in ``pipeline/data/sources_lexicon.yaml``; a user YAML
(``SourceSettings.lexicon_path``) is merged over it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence
from urllib.parse import urlparse

import yaml
from camel_tools.utils.dediac import dediac_ar

from pipeline.core.clean import normalise_for_search
from pipeline.core.sentences import split_sentences
from pipeline.core.sources_model import NEAR_CUE_WINDOW, LexicalMarks, SourceSpanModel, SpanFeatures
from pipeline.core.types import Entity, Sentence, SourceMention

ROLES = ("cited", "publisher", "agency_credit")
KINDS = ("news_agency", "official", "government", "organisation", "person", "media", "document",
         "anonymous", "unknown")
LANGUAGES = ("ar", "fr", "en")
LEXICON_RESOURCE = ("pipeline", "data/sources_lexicon.yaml")
_LIST_SECTIONS = ("cues", "titles", "anonymous", "stop_words")
_MAP_SECTIONS = ("sources", "outlets", "people")


@dataclass(frozen=True)
class SourceSettings:
    """Settings of the sources extractor (the ``sources:`` block of the pipeline config).

    lexicon_path: a user YAML merged over the packaged lexicon (None: packaged lexicon only).
    min_confidence: rows below this confidence are dropped, in [0, 1].
    roles: which rows to produce, a non-empty subset of ROLES.
    languages: cue languages to use, a non-empty subset of LANGUAGES.
    max_source_tokens: longest source phrase, in words, 1..40.
    extract_quotes: attach the quotation that follows a cue.
    publisher_from_url: derive the publisher from the URL's host when ``outlet`` is missing.
    resolve_names: a bare name (بيسكوف) inherits the kind of the titled mention earlier in the text.
    untitled_names: what to do with a cited bare name that has no title, role or known kind anywhere
        in the text (وقال فلان): "drop" it (default: news cite officials and private persons alike
        by bare name, so its kind would be a guess) or type it "person".
    model_spans: add the cited sources the learned span model (``sources_model.py``) finds where no
        rule row is and a lexicon cue is within reach; those rows have ``method="crf"``.
    model_min_confidence: the lowest CRF probability of such a row, in [0, 1] (0.7: the highest
        recall at precision >= 0.9 in the training script's cross-validation).
    model_dir: directory of the span model and the word-cluster table; None = pipeline/models.
    """

    lexicon_path: str | None = None
    min_confidence: float = 0.3
    roles: tuple[str, ...] = ROLES
    languages: tuple[str, ...] = LANGUAGES
    max_source_tokens: int = 15
    extract_quotes: bool = True
    publisher_from_url: bool = True
    resolve_names: bool = True
    untitled_names: str = "drop"
    model_spans: bool = True
    model_min_confidence: float = 0.7
    model_dir: str | None = None

    def __post_init__(self) -> None:
        if self.lexicon_path is not None and not isinstance(self.lexicon_path, str):
            raise ValueError(f"sources.lexicon_path must be a path string or null, got {self.lexicon_path!r}")
        if isinstance(self.min_confidence, bool) or not isinstance(self.min_confidence, (int, float)) \
                or not 0.0 <= float(self.min_confidence) <= 1.0:
            raise ValueError(f"sources.min_confidence must be a number in [0, 1], got {self.min_confidence!r}")
        for name, allowed in (("roles", ROLES), ("languages", LANGUAGES)):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, (tuple, list)) or not value:
                raise ValueError(f"sources.{name} must be a non-empty list of {', '.join(allowed)}; got {value!r}")
            bad = [v for v in value if v not in allowed]
            if bad:
                raise ValueError(f"sources.{name}: unknown value(s) {bad}; allowed: {', '.join(allowed)}")
            object.__setattr__(self, name, tuple(value))
        if isinstance(self.max_source_tokens, bool) or not isinstance(self.max_source_tokens, int) \
                or not 1 <= self.max_source_tokens <= 40:
            raise ValueError(f"sources.max_source_tokens must be an integer in 1..40, got {self.max_source_tokens!r}")
        if self.untitled_names not in ("drop", "person"):
            raise ValueError(f"sources.untitled_names must be one of drop, person; got {self.untitled_names!r}")
        if isinstance(self.model_min_confidence, bool) or not isinstance(self.model_min_confidence, (int, float)) \
                or not 0.0 <= float(self.model_min_confidence) <= 1.0:
            raise ValueError(f"sources.model_min_confidence must be a number in [0, 1], got {self.model_min_confidence!r}")
        if self.model_dir is not None and not isinstance(self.model_dir, str):
            raise ValueError(f"sources.model_dir must be a path string or null, got {self.model_dir!r}")
        for name in ("extract_quotes", "publisher_from_url", "resolve_names", "model_spans"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"sources.{name} must be true or false, got {getattr(self, name)!r}")


# --------------------------------------------------------------------------------------------
# Lexicon loading and merging
# --------------------------------------------------------------------------------------------

def load_lexicon(lexicon_path: str | None = None) -> dict[str, Any]:
    """The packaged lexicon, with the user YAML at ``lexicon_path`` merged over it."""
    packaged = resources.files(LEXICON_RESOURCE[0]).joinpath(*LEXICON_RESOURCE[1].split("/")).read_text(encoding="utf-8")
    lexicon = yaml.safe_load(packaged) or {}
    if lexicon_path:
        path = Path(lexicon_path)
        if not path.is_file():
            raise ValueError(f"sources.lexicon_path: no such file: {lexicon_path}")
        user = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(user, dict):
            raise ValueError(f"sources.lexicon_path: {lexicon_path} must hold a YAML mapping")
        lexicon = merge_lexicons(lexicon, user)
    return lexicon


def merge_lexicons(base: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    allowed = set(_LIST_SECTIONS) | set(_MAP_SECTIONS) | {"version", "replace"}
    unknown = sorted(set(user) - allowed)
    if unknown:
        raise ValueError(f"sources lexicon: unknown top-level key(s) {unknown}; allowed: {', '.join(sorted(allowed))}")
    replace = set(user.get("replace") or ())
    merged = {k: _copy(v) for k, v in base.items()}
    for section in _MAP_SECTIONS:
        for key, entry in (user.get(section) or {}).items():
            target = merged.setdefault(section, {})
            if entry is None:
                target.pop(key, None)
            else:
                target[key] = entry
    for section in _LIST_SECTIONS:
        if section in user:
            merged[section] = _merge_lists(merged.get(section) or {}, user[section] or {},
                                           replace_all=section in replace, path=section, replace=replace)
    return merged


def _merge_lists(base: Any, user: Any, replace_all: bool, path: str, replace: set[str]) -> Any:
    if isinstance(user, list):
        if replace_all or path in replace or not isinstance(base, list):
            return list(user)
        return list(base) + [u for u in user if u not in base]
    if isinstance(user, dict):
        out = dict(base) if isinstance(base, dict) and not replace_all else {}
        for key, value in user.items():
            sub = f"{path}.{key}"
            out[key] = _merge_lists(out.get(key), value, replace_all or sub in replace, sub, replace)
        return out
    return user


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------

_MARKS = "\u064b-\u065f\u0670"
_WORD = rf"(?:[^\W_]|[{_MARKS}])"
# a dot joins Latin abbreviations and numbers (U.S, 3.5), never two Arabic words (المعرض.وأوضح: a missing space)
_TOKEN_RE = re.compile(rf"{_WORD}+(?:['’\-]{_WORD}+|\.(?![\u0600-\u06FF]){_WORD}+)*|[^\w\s{_MARKS}]")
_QUOTE_OPEN = {"“": "”", "«": "»", '"': '"', "„": "“", "‹": "›"}
_QUOTE_CHARS = set("“”«»\"„‹›")
_LATIN_RE = re.compile(r"[A-Za-zÀ-ÿ]")


@lru_cache(maxsize=50_000)  # the frequent words; a larger cache only grows with the archive's vocabulary
def _norm(word: str) -> str:
    norm = normalise_for_search(word.replace("\u0640", "")).replace("’", "'")
    if norm == "علي" and dediac_ar(word).endswith("ى"):
        return "على"  # the preposition, kept apart from the name علي
    return norm


class _Tok:
    __slots__ = ("start", "end", "text", "norm", "is_word", "arabic", "bare")

    def __init__(self, start: int, end: int, text: str, norm: str, is_word: bool):
        self.start, self.end, self.text, self.norm, self.is_word = start, end, text, norm, is_word
        self.arabic = "\u0600" <= text[:1] <= "\u06ff"
        # without a leading conjunction و/ف (Arabic words only)
        self.bare = norm[1:] if self.arabic and len(norm) > 2 and norm[0] in "وف" else norm


class _Toks(list):
    """A sentence's tokens, plus the characters to trim off the front of a token used as a span start
    (the preposition ل of لوكالة; the conjunction و of a second coordinated source, ومصادر)."""

    def __init__(self, items=()):
        super().__init__(items)
        self.trims: dict[int, int] = {}
        self.conj_trims: dict[int, int] = {}


def tokenise(text: str, start: int, end: int) -> _Toks:
    """The tokens of ``text[start:end]`` with their offsets and normalised forms."""
    out = _Toks()
    for m in _TOKEN_RE.finditer(text, start, end):
        word = m.group(0)
        out.append(_Tok(m.start(), m.end(), word, _norm(word), not (len(word) == 1 and not word.isalnum())))
    return out


def _after_l(norm: str) -> str:
    """A word without its leading preposition ل: لصحيفة -> صحيفة, للصحيفة -> الصحيفة (the article's alef
    is elided after ل)."""
    if not norm.startswith("ل"):
        return norm
    return "ا" + norm[1:] if norm.startswith("لل") else norm[1:]


def _strip_clitic(norm: str) -> str:
    """Remove a leading و or ف (conjunctions) from a normalised Arabic word."""
    if len(norm) > 2 and norm[0] in "وف":
        return norm[1:]
    return norm


def _proclitic_before_article(word: str) -> int:
    """Characters of a conjunction or preposition glued to a definite word (والوزارة, بالشركة: 1,
    وبالشركة: 2), so that a model span starts at the article as the gold spans do; 0 otherwise."""
    letters = [i for i, c in enumerate(word) if not ("\u064b" <= c <= "\u065f" or c in "\u0670\u0640")]
    base = "".join(word[i] for i in letters)
    for n in (2, 1):
        if len(base) > n + 3 and base[n:n + 2] == "ال" and all(c in "وفبلك" for c in base[:n]):
            return letters[n]
    return 0


def _phrase_keys(phrases: Iterable[str]) -> set[tuple[str, ...]]:
    out = set()
    for p in phrases:
        toks = tuple(_norm(t.group(0)) for t in _TOKEN_RE.finditer(str(p)))
        if toks:
            out.add(toks)
    return out


# --------------------------------------------------------------------------------------------
# The extractor
# --------------------------------------------------------------------------------------------

_THAT = {"ان", "انه", "انها", "انهم", "بان", "بانه", "بانها", "بانهم", "انهما", "انني", "اننا", "that", "que", "qu"}
_RECIPIENT_WORDS = {"للصحفيين", "للصحافيين", "للصحافه", "للاعلاميين", "لنا", "لي", "له", "لها", "لهم", "للتلفزيون"}
_QUOTE_VERBS = {"قول", "قوله", "قولها", "قولهم", "قولهما", "التعليق", "تصريحه", "تصريحات"}
_TIME_LEAD = {"امس", "اليوم", "مساء", "صباح", "ظهر", "يوم", "الاحد", "الاثنين", "الثلاثاء", "الاربعاء", "الخميس",
              "الجمعه", "السبت", "في", "ايضا", "كذلك", "بدوره", "بدورها", "من", "جهته", "جهتها", "،", ","}
_OBJECT_VERBS = {"وعد", "وعدت", "يعرب", "تعرب", "افاد", "افادت", "كشف", "كشفت", "يكشف", "تكشف", "نفي", "نفت", "ينفي", "تنفي", "حذر", "حذرت", "يحذر", "تحذر", "دعا",
                 "دعت", "طالب", "طالبت", "اشاد", "اشادت", "شدد", "شددت", "يشدد", "تشدد", "ابلغ", "اعرب", "اعربت",
                 "تحدث", "تحدثت", "ابدي", "ابدت",
                 "ابلغت", "اعلن", "اعلنت", "يعلن", "تعلن", "اكد", "اكدت", "اشار", "اشارت", "لفت", "لفتت", "اعترف",
                 "اعترفت", "افصح", "افصحت", "عبر", "عبرت", "ثمن", "ثمنت", "نوه", "نوهت", "تساءل", "تساءلت", "اوصي",
                 "اوصت", "ادان", "ادانت", "استنكر", "استنكرت", "طالب", "طالبت", "يطالب", "تطالب", "دعت", "يدعو", "تدعو"}
# what أبدى shows (أبدى سعادته / سعادة كبيرة): the object, never the subject
_SHOWN_FEELINGS = {"سعاده", "رغبه", "ارتياح", "ارتياحه", "استياء", "استغراب", "دهشه", "تفاؤل", "قلق", "استعداد", "اعجاب",
                   "تحفظ", "موافقه", "رفض", "اسف", "حرص", "اهتمام", "تقدير", "شكر"}
# cues that are also common non-reporting verbs (وجه ضربة، علق صورة): only with their own preposition
_PREP_ONLY_VERBS = {"ندد", "نددت", "وجه", "وجهت", "علق", "علقت"}
_AMBIGUOUS_VERBS = {"بين", "بينت", "راي", "رات", "يري", "تري", "روي", "روت", "نشرت", "بثت", "ذكر", "يذكر", "تذكر",
                    "قال", "يقول", "تقول", "اضاف", "يضيف", "تضيف", "اورد", "اوردت", "اعتبر", "اعتبرت", "يعتبر",
                    "تعتبر", "زعم", "زعمت", "ادعي", "ادعت", "لاحظ", "لاحظت",
                    "زاد", "زادت", "تابع", "تابعت", "ختم", "ختمت", "نشر", "كتب", "كتبت", "عبر", "عبرت", "تمني",
                    "تمنت", "ابدي", "ابدت", "اثني", "اثنت", "ابرز", "ابرزت", "اردف", "اردفت", "استطلع", "استطلعت",
                    "وصف", "وصفت", "شرح", "شرحت", "يامل", "تامل", "علق", "علقت", "وجه", "وجهت"}
_LATIN_CONNECT = {"of", "the", "for", "and", "de", "du", "des", "la", "le", "l", "d", "al", "bin", "von", "van", "on",
                  "a", "an", "'s", "senior", "russe", "russian", "american", "us", "u.s", "french", "saudi"}
_LATIN_DET = {"the", "a", "an", "le", "la", "les", "l", "un", "une", "des", "du", "de"}
_NAME_CONNECT = {"بن", "ابن", "بنت", "ال", "ابو", "عبد", "دي", "دو", "فان", "فون"}
_OBJECT_PREP = {v: p for verbs, p in (
    (("اعرب", "اعربت", "يعرب", "تعرب", "كشف", "كشفت", "يكشف", "تكشف", "اعلن", "اعلنت", "تحدث", "تحدثت", "افصح", "افصحت",
      "عبر", "عبرت", "تساءل", "تساءلت"), ("عن",)),
    (("اوصي", "اوصت", "ندد", "نددت", "وجه", "وجهت", "ناشد", "ناشدت", "يناشد", "تناشد", "اهاب", "اهابت", "يهيب", "تهيب"), ("ب",)),
    (("حث", "حثت", "يحث", "تحث"), ("على",)),
    (("تطرق", "تطرقت", "ارجع", "ارجعت"), ("الي",)),
    (("علق", "علقت"), ("على",)),
    (("طالب", "طالبت", "يطالب", "تطالب", "دعت", "يدعو", "تدعو"), ("الي", "ب")),
    (("حذر", "حذرت", "يحذر", "تحذر"), ("من",)),
    (("افاد", "افادت"), ("ب",)),
    (("اشاد", "اشادت", "ثمن", "ثمنت", "نوه", "نوهت"), ("ب",)),
    (("دعا", "دعت", "طالب", "طالبت"), ("الي", "ب")),
    (("شدد", "شددت", "يشدد", "تشدد", "اكد", "اكدت"), ("على",)),
    (("اشار", "اشارت", "لفت", "لفتت"), ("الي", "ل")),
    (("نفي", "نفت", "ينفي", "تنفي"), ()),
) for v in verbs}
# reporting verbs that need no complement when their subject is a titled phrase or a known name
# (أكد المتحدث باسم حكومة الولاية هذه الحصيلة، أدان الأمين العام التفجير)
_STRONG_VERBS = {"ثمن", "ثمنت", "قال", "قالت", "اكد", "اكدت", "اعلن", "اعلنت", "نفي", "نفت", "ينفي", "تنفي", "كشف", "كشفت",
                 "اوضح", "اوضحت", "ذكر", "ذكرت", "افاد", "افادت", "تحدث", "تحدثت", "ادان", "ادانت", "استنكر",
                 "استنكرت", "اوصي", "اوصت", "استطلع", "استطلعت", "صرح", "صرحت", "حذر", "حذرت"}
# words that announce a quotation further on: تحدث ... قائلا: «...»
_SAYING = {"قائلا", "قائله", "قائلين", "قائلون", "قائلتين", "بقوله", "بقولها"}
# Participle cues (وأبدى والد الشهيد اعتزازه ... مؤكدا أن): they cite the subject of their clause's
# verb even when that verb is no reporting verb; masculine, feminine and plural accusatives.
_PARTICIPLE_STEMS = ("مؤكد", "مشير", "ذاكر", "مناشد", "معتبر", "موضح", "مشدد", "لافت", "مبين", "مضيف", "معرب", "منوه", "محذر",
                     "مطالب", "واصف", "مثمن", "مشيد", "منتقد", "مستبعد", "قائل")
_PARTICIPLE_CUES = frozenset(stem + end for stem in _PARTICIPLE_STEMS for end in ("ا", "ه", "ين"))
_PARTICIPLE_BY = frozenset(("مشيد", "مثمن", "مطالب", "منوه"))  # these take their content with ب
# a relative speaks as a private person even when named through an office (عائلة زعيم طالبان)
_RELATIVES = {"والد", "والده", "شقيق", "شقيقه", "عائله", "العائله", "اسره", "الاسره", "ارمله", "زوجه"}
_PUBLISHING_VERBS = {"نشر", "نشرت", "ينشر", "تنشر", "بث", "بثت", "اورد", "اوردت"}
_REPORT_NOUNS = {"تقرير", "تقريرا", "تقارير", "تقاريرا", "تصريح", "تصريحا", "خبرا", "مقالا", "بيانا", "تحقيقا", "مقابله",
                 "حوارا", "نص", "وثيقه", "وثائق", "دراسه", "استطلاعا"}
_COPULAS = {"ليس", "ليست", "غير", "كان", "كانت", "يكون", "تكون", "اصبح", "اصبحت", "بات", "باتت", "ظل", "ظلت"}
_KANA = frozenset({"كان", "وكان", "كانت", "وكانت"})  # كان before its subject: وكانت السلطات قد أعلنت
_CLAUSE_LEAD = {"وقد", "فقد", "قد", "كما", "ثم", "وكان", "وكانت", "كان", "كانت"}
_QUOTING_CUES = ("verb", "refusal")  # cues whose source may be quoted (not بحسب, not جاء في)
_COLON_SPEECH_GAP = 3  # words allowed between a source (or its cue) and the colon that opens its speech
_PARTICIPLE_SPEECH_GAP = 10  # ... and between it and its own قائلا: / مضيفا: (the same speaker goes on)
_UNTITLED = "_untitled"  # internal: a bare name without any evidence of its kind
_HONORIFICS = {"الدكتور", "دكتور", "د", "م", "ا", "المهندس", "الشيخ", "الاستاذ", "اللواء", "العقيد", "العميد", "الفريق", "المقدم",
               "الرائد", "النقيب", "الامير", "الملك", "السيد", "السيده", "معالي", "سمو", "فضيله", "الملا", "الحاج"}
# one-letter honorifics written with a full stop: د. (doctor), م. (engineer), أ. (professor), أ.د.
_ABBREVIATED_HONORIFICS = {"د", "م", "ا"}
_HONORIFIC_PRONOUNS = {"سموه", "سموها", "معاليه", "فضيلته", "سعادته", "فخامته", "جلالته", "دولته"}
_LEAD_SKIP = {"اليه", "اليها", "اليهم", "عليه", "عليها", "بدوره", "بدورها", "كذلك", "ايضا", "بذلك", "ذلك", "دوما", "دائما",
              "مجددا", "مرارا"}
_ADMIN_WORDS = {"منطقه", "محافظه", "ولايه", "مدينه", "اقليم", "اماره", "بلديه", "امانه", "الولايات", "جامعه"}
_REFUSAL_VERBS = frozenset({"رفض", "رفضت", "امتنع", "امتنعت", "احجم", "احجمت"})  # discontinuous: رفض مصدر ... التعليق
_DIRECTIVE_VERBS = {"ناشد", "ناشدت", "يناشد", "تناشد", "حث", "حثت", "يحث", "تحث", "طالب", "طالبت", "يطالب", "تطالب",
                    "دعا", "دعت", "يدعو", "تدعو", "اهاب", "اهابت", "يهيب", "تهيب", "وجه", "وجهت"}
# the usual addressees of an appeal or of thanks, never part of the source phrase before them
_ADDRESSEES = {"المواطنين", "المقيمين", "المستهلكين", "الجميع", "جميع", "كافه", "السكان", "الاهالي", "الطلاب",
               "الطالبات", "الحجاج", "المعتمرين", "الزوار", "المسافرين", "اولياء", "المستفيدين", "المرشحين",
               "الشباب", "المجتمع", "الجهات", "المسلمين", "الناس", "الحضور", "الحاضرين", "المشاركين"}
_CONFORMITY_NOUNS = {"مبادره", "المبادره", "ميثاق", "الميثاق", "نظام", "النظام", "لائحه", "اللائحه", "معايير", "المعايير",
                     "توجيهات", "التوجيهات", "تعليمات", "التعليمات", "قانون", "القانون", "اتفاقيه", "الاتفاقيه", "شروط", "الشروط",
                     "خطه", "الخطه", "رؤيه", "الرؤيه", "جدول", "الجدول", "ضوابط", "الضوابط", "مواصفات", "المواصفات"}
_SACRED = {"الله", "تعالي", "وتعالي", "وعلا", "صلي", "وسلم", "عليه", "جل", "تبارك", "سبحانه"}  # scripture, never a vox pop
_LINK_LINES = ("رابط الخبر", "رابط المقال")  # an outlet's link line repeats the headline
_VAGUE_QUANTIFIERS = {"بعض", "عدد", "العديد", "الكثير", "احد", "احدي"}
_HONORIFIC_OBJECTS = {"السمو", "المعالي", "الفضيله", "السعاده", "الجلاله", "الفخامه"}
# courtesy: قدم / رفع / تقدم ... شكره (بالشكر) and وشكر فلان ... على: the thanks and their reason are attributed
_THANKS_VERBS = frozenset({"قدم", "قدمت", "يقدم", "تقدم", "تقدمت", "يتقدم", "رفع", "رفعت", "يرفع", "ترفع", "شكر", "شكرت"})
_THANKS_WORDS = frozenset({"شكره", "شكرها", "شكرهم", "شكرهما", "شكري", "الشكر", "بالشكر", "شكرا", "بشكره", "بشكرها",
                           "بشكرهم"})
# a (non-news) agency qualified by these is a state's: وكالة الفضاء الأمريكية، وكالة إدارة الطوارئ الوطنية النيجيرية
_STATE_ADJECTIVES = {"الوطنيه", "الحكوميه", "الاتحاديه", "الفيدراليه", "الفدراليه", "الامريكيه", "الاميركيه", "الروسيه",
                     "البريطانيه", "الفرنسيه", "الصينيه", "اليابانيه", "الالمانيه", "الهنديه", "النيجيريه", "السعوديه",
                     "المصريه", "التركيه", "الايرانيه", "الاسرائيليه", "الكوريه", "الباكستانيه", "الكنديه", "الاستراليه"}
_IN_CHARGE = {"القائمون", "القائمين", "والقائمون", "المشرفون", "المشرفين"}  # ... على X speak for X
_SPEECH_NOUNS = {"كلمه", "كلمته", "كلمتها", "خطابا", "خطبه", "محاضره"}  # ألقى فلان كلمة أكد فيها
_SPEECH_VERBS = {"قال", "قالت", "اضاف", "اضافت", "ذكر", "ذكرت", "تابع", "تابعت"}
_STATEMENT_TO = {"تصريح", "تصريحات", "حديث", "حديثه", "حديثها", "اسئله", "سؤال"}  # prep cues: في تصريح لـ X، ردا على أسئلة X
_NUMBER_WORDS = {"ثلاثه", "اربعه", "خمسه", "سته", "سبعه", "ثمانيه", "تسعه", "عشره", "ثلاث", "اربع", "خمس", "ست",
                 "عده", "عشرات"}
_LATIN_PERSON_PREFIX = {"m", "mme", "mr", "mrs", "ms", "dr", "m.", "mme.", "mr."}


@dataclass
class _Cue:
    lang: str
    type: str  # verb, prep, passive, refusal
    start: int  # token index of first cue token
    end: int  # token index after the last cue token
    text: str


class SourceExtractor:
    """Loads the lexicon once; ``extract`` is then a pure function of its arguments."""

    def __init__(self, settings: SourceSettings | None = None):
        self.settings = settings or SourceSettings()
        self.lexicon = load_lexicon(self.settings.lexicon_path)
        self._build()
        self._marks: dict[str, LexicalMarks] = {}
        self._cue_words: dict[str, bool] = {}
        self._span_features: SpanFeatures | None = None
        self.span_model = SourceSpanModel(self._model_dir(), self.span_features) \
            if self.settings.model_spans else None

    # ---------------------------------------------------------------- lexicon indexes
    def _build(self) -> None:
        lx = self.lexicon
        self._aliases: dict[tuple[str, ...], tuple[str, str]] = {}  # norm tokens -> (canonical, kind)
        self._agency_aliases: dict[tuple[str, ...], str] = {}
        for section in ("sources", "people"):
            for key, entry in (lx.get(section) or {}).items():
                if not entry:
                    continue
                canonical = str(entry.get("canonical") or key)
                kind = entry.get("kind") or ("official" if section == "people" else "unknown")
                if kind not in KINDS:
                    raise ValueError(f"sources lexicon: {section}.{key}.kind must be one of {', '.join(KINDS)}; got {kind!r}")
                per_alias = bool(entry.get("per_alias"))
                for alias in ([] if per_alias else [canonical]) + list(entry.get("aliases") or []):
                    for toks in _phrase_keys([alias]):
                        self._aliases.setdefault(toks, (str(alias) if per_alias else canonical, kind))
                        if kind == "news_agency":
                            self._agency_aliases.setdefault(toks, canonical)
                if kind == "news_agency":  # (بنا): a credit, but "بنا" in running text is "with us"
                    for toks in _phrase_keys(str(a) for a in entry.get("credit_only") or ()):
                        self._agency_aliases.setdefault(toks, canonical)
        self._max_alias = max((len(k) for k in self._aliases), default=1)
        self._alias_first = {k[0] for k in self._aliases}

        self._outlets: list[tuple[set[str], set[str], str, str]] = []
        self._outlet_aliases: dict[tuple[str, ...], str] = {}
        for key, entry in (lx.get("outlets") or {}).items():
            if not entry:
                continue
            kind = entry.get("kind") or "media"
            if kind not in KINDS:
                raise ValueError(f"sources lexicon: outlets.{key}.kind must be one of {', '.join(KINDS)}; got {kind!r}")
            ids = {str(key).casefold()} | {str(i).casefold() for i in entry.get("ids") or ()}
            ids |= {_norm(str(a)) for a in entry.get("aliases") or ()}
            for alias in entry.get("aliases") or ():
                self._outlet_aliases[_norm_key(str(alias))] = str(entry.get("canonical") or key)
            hosts = {str(h).casefold().removeprefix("www.") for h in entry.get("hosts") or ()}
            self._outlets.append((ids, hosts, str(entry.get("canonical") or key), kind))

        cues = lx.get("cues") or {}
        self._cues: dict[tuple[str, ...], tuple[str, str]] = {}  # norm tokens -> (lang, type)
        for lang in self.settings.languages:
            for ctype, phrases in (cues.get(lang) or {}).items():
                for toks in _phrase_keys(phrases or ()):
                    self._cues.setdefault(toks, (lang, ctype))
        self._max_cue = max((len(k) for k in self._cues), default=1)
        self._cue_first = {k[0] for k in self._cues}
        self._cue_single = {k[0] for k in self._cues if len(k) == 1}
        self._refusal_verbs = {k[0] for k, (_, t) in self._cues.items() if t == "refusal"}
        self._verb_set = frozenset(k[0] for k, (lang, t) in self._cues.items() if lang == "ar" and t == "verb" and len(k) == 1)
        self._verb_keys = self._verb_set | _THANKS_VERBS  # the bare forms a verb cue is known by

        self._cue_filter = frozenset({k[0] for k in self._cues} | _REFUSAL_VERBS
                                     | ((_THANKS_VERBS | {"علمت"}) if "ar" in self.settings.languages else set())
                                     | (_PARTICIPLE_CUES if "ar" in self.settings.languages else set()))
        self._title_filter = frozenset(_norm(w) for kind in ("official", "person")
                                       for w in (lx.get("titles") or {}).get(kind) or () if " " not in str(w))

        titles = lx.get("titles") or {}
        self._titles: dict[str, set[str]] = {}
        self._title_phrases: dict[str, set[tuple[str, ...]]] = {}
        for kind, words in titles.items():
            keys = _phrase_keys(words or ())
            self._titles[kind] = {k[0] for k in keys if len(k) == 1}
            self._title_phrases[kind] = {k for k in keys if len(k) > 1}
        anon = lx.get("anonymous") or {}
        self._anon_heads = _phrase_keys(w for lang in ("ar", "fr", "en") for w in anon.get(lang) or ())
        self._anon_qual = {k[0] for k in _phrase_keys(anon.get("qualifiers") or ())}
        stops = lx.get("stop_words") or {}
        self._stop_ar = {k[0] for k in _phrase_keys(stops.get("ar") or ()) if len(k) == 1} | _QUOTE_VERBS
        self._stop_latin = {k[0] for k in _phrase_keys(stops.get("latin") or ()) if len(k) == 1}
        self._body_words = (self._titles.get("government", set()) | self._titles.get("organisation", set())
                            | self._titles.get("media", set()) | self._titles.get("agency", set()))
        self._all_title_words = set().union(*self._titles.values()) if self._titles else set()
        # head nouns that name an organisation (or an outlet) by a following bare name
        self._org_heads = {w: kind for kind in ("organisation", "media") for w in self._titles.get(kind, ())
                           if not w.startswith("ال") and self._is_arabic_word(w)}

        # agency credit patterns: every news-agency alias, longest first
        alias_texts = set()
        for key, entry in (lx.get("sources") or {}).items():
            if entry and entry.get("kind") == "news_agency":
                alias_texts.update(str(a) for a in [entry.get("canonical") or key] + list(entry.get("aliases") or [])
                                   + list(entry.get("credit_only") or []))
        alts = "|".join(_alias_regex(a) for a in sorted(alias_texts, key=len, reverse=True) if a.strip())
        alias = rf"(?P<alias>{alts})" if alts else r"(?P<alias>(?!x)x)"
        self._credit_res = [
            ("bracket", re.compile(rf"[(\[]\s*{alias}\s*[)\]]")),
            ("dateline", re.compile(rf"(?m)^[^\n:.،]{{0,40}}?\s[-–—ـ]+\s*[«\"“]?{alias}[»\"”]?\s*(?=[-–—:،,]|$)")),
            ("dateline", re.compile(rf"(?m)^\s*[«\"“]?{alias}[»\"”]?\s*[-–—ـ]+(?=\s*\w)")),
            ("signoff", re.compile(rf"(?m)[-–—]\s*{alias}\s*$")),
            ("signoff", re.compile(rf"(?m)^\s*[«\"“(]?{alias}[»\"”)]?\s*$")),
            ("signoff", re.compile(rf"(?:[.!؟]\s*)[«\"“]{alias}[»\"”]\s*\Z")),
        ]

    @staticmethod
    def _is_arabic_word(w: str) -> bool:
        return bool(w) and "\u0600" <= w[0] <= "\u06ff"

    # ---------------------------------------------------------------- public API
    def extract(self, doc_id: str, text: str, sentences: Sequence[Sentence] = (),
                entities: Sequence[Entity] = (), outlet: str | None = None,
                url: str | None = None) -> list[SourceMention]:
        """Every attribution in ``text`` (the cleaned document text) plus the publisher row.

        ``sentences`` are this document's sentences (split here when empty); ``entities`` are
        optional extra evidence (PER/ORG rows widen and type an otherwise unknown source).
        """
        if not sentences:
            sentences = [Sentence(doc_id, b.paragraph_index, i, b.start, b.end, text[b.start:b.end])
                         for i, b in enumerate(split_sentences(text))]
        rows: list[SourceMention] = []
        roles = self.settings.roles
        publisher = self.publisher(doc_id, outlet, url) if "publisher" in roles else None
        if publisher is not None:
            rows.append(publisher)
        if "agency_credit" in roles:
            rows.extend(self.agency_credits(doc_id, text, sentences))
        if "cited" in roles:
            tokens: dict[tuple[int, int], _Toks] = {}  # (start, end) of a sentence -> its tokens, made once
            rows.extend(self._cited(doc_id, text, sentences, entities,
                                    publisher.canonical if publisher else self._outlet_canonical(outlet, url), tokens))
            if self.span_model is not None:
                rows.extend(self._model_rows(doc_id, text, sentences, entities, rows, tokens))
        return with_display_forms([r for r in rows if r.confidence >= self.settings.min_confidence])

    # ---------------------------------------------------------------- the learned span model
    def _model_dir(self) -> Path:
        if self.settings.model_dir:
            return Path(self.settings.model_dir)
        from pipeline.core.entities import MODELS_DIR
        return MODELS_DIR

    def lexical_marks(self, norm: str) -> LexicalMarks:
        """What the lexicon says about a normalised word: the span model's view of the rules' knowledge."""
        marks = self._marks.get(norm)
        if marks is None:
            bare = _strip_clitic(norm)
            forms = (norm, bare, _after_l(norm))
            cue = next((self._cues[(w,)][1] for w in forms[:2] if (w,) in self._cues), "")
            if not cue:
                cue = ("participle" if bare in _PARTICIPLE_CUES else "thanks" if bare in _THANKS_VERBS
                       else "refusal" if bare in _REFUSAL_VERBS else "")
            title = next((kind for kind, words in self._titles.items() for w in forms if w in words), "")
            marks = LexicalMarks(cue, title, any((w,) in self._anon_heads for w in forms[:2]),
                                 norm in self._stop_ar or norm in self._stop_latin)
            if len(self._marks) >= 50_000:
                self._marks.clear()  # bounded like the other word caches
            self._marks[norm] = marks
        return marks

    def _is_cue_word(self, word: str) -> bool:
        """Whether a token's text is a lexicon cue (``lexical_marks(norm).cue``), cached per word."""
        hit = self._cue_words.get(word)
        if hit is None:
            if len(self._cue_words) >= 50_000:
                self._cue_words.clear()  # bounded like the other word caches
            hit = self._cue_words[word] = bool(self.lexical_marks(_norm(word)).cue)
        return hit

    def span_features(self) -> SpanFeatures:
        """Token features of the span model over this lexicon and the entity tagger's word clusters
        (the same object serves training, ``scripts/train_sources_crf.py``, and tagging)."""
        if self._span_features is None:
            from pipeline.core.entities import LEXICON_FILE, FeatureExtractor, Lexicon
            clusters = Lexicon.shared(self._model_dir() / LEXICON_FILE)
            # no second word cache: SpanFeatures keeps each word's finished features
            self._span_features = SpanFeatures(self.lexical_marks, FeatureExtractor(clusters, cache_words=0).word_features)
        return self._span_features

    def _model_rows(self, doc_id: str, text: str, sentences: Sequence[Sentence], entities: Sequence[Entity],
                    taken: Sequence[SourceMention], tokens: dict[tuple[int, int], _Toks]) -> list[SourceMention]:
        """Cited sources the span model finds where no rule row (cited or credit) overlaps; ``tokens``
        holds the sentences the rules already tokenised."""
        rows: list[SourceMention] = []
        spans = [(r.start, r.end) for r in taken if r.start is not None]
        todo = []
        for sent in sentences:
            if sent.is_boilerplate or text[sent.start:sent.end].lstrip().startswith(_LINK_LINES):
                continue
            toks = tokens.get((sent.start, sent.end))
            if toks is None:
                if not any(map(self._is_cue_word, _TOKEN_RE.findall(text, sent.start, sent.end))):
                    continue  # no lexicon cue: the model proposes nothing (found without making tokens)
                toks = tokenise(text, sent.start, sent.end)
            todo.append((sent, toks, [e for e in entities if sent.start <= e.start < sent.end]))
        proposals = self.span_model.propose_many([(toks, ents) for _, toks, ents in todo])
        for (sent, toks, _), proposed in zip(todo, proposals):
            for a, b, kind, prob in proposed:
                if prob < self.settings.model_min_confidence:
                    continue
                s, e = toks[a].start + _proclitic_before_article(toks[a].text), toks[b - 1].end
                if any(s < ue and us < e for us, ue in spans):
                    continue
                c = self._nearest_cue(toks, a, b)
                if c is None:
                    continue  # no lexicon cue within reach: three in four such rows were wrong in cross-validation
                spans.append((s, e))
                alias = self._aliases.get(tuple(t.norm for t in toks[a:b] if t.is_word))
                canonical, kind = alias if alias else (text[s:e], kind)
                # an outlet the model finds is mostly where a statement appeared (قال فلان لإحدى الصحف), not its speaker
                quote = None if kind in ("media", "news_agency") else self._model_quote(text, toks, sent, a, b, c)
                rows.append(SourceMention(doc_id, sent.sentence_index, s, e, text[s:e], canonical, kind, toks[c].text,
                                          quote[2] if quote else None, quote[0] if quote else None,
                                          quote[1] if quote else None, "cited", round(prob, 3), "crf"))
        return rows

    def _nearest_cue(self, toks, a: int, b: int) -> int | None:
        """The token index of the cue word closest to a model span (the model tags spans, not cues), or
        None when none is near."""
        near = [(min(abs(i - a), abs(i - (b - 1))), i) for i in range(len(toks))
                if not a <= i < b and self.lexical_marks(toks[i].norm).cue]
        return min(near)[1] if near and min(near)[0] <= NEAR_CUE_WINDOW else None

    def _model_quote(self, text: str, toks, sent: Sentence, a: int, b: int, c: int) -> tuple[int, int, str] | None:
        """The quotation of a model row, found as for a rule row from its nearest cue (a speech verb only)."""
        cue_type = self.lexical_marks(toks[c].norm).cue
        if cue_type not in _QUOTING_CUES or not self.settings.extract_quotes:
            return None
        cue = _Cue("ar" if toks[c].arabic else "latin", cue_type, c, c + 1, toks[c].text)
        next_cue = next((i for i in range(max(b, c + 1), len(toks))  # the next source's cue (a participle goes on)
                         if self.lexical_marks(toks[i].norm).cue not in ("", "participle", "relay", "thanks")), len(toks))
        return self._find_quote(text, toks, _quote_spans(text, sent.start, sent.end), a, b, cue, next_cue, sent.end)

    def _find_quote(self, text, toks, quotes, a: int, b: int, cue: _Cue, next_cue: int,
                    sent_end: int) -> tuple[int, int, str] | None:
        """The quotation of the source at tokens [a, b): in quotation marks near it, else unmarked speech
        after a colon, up to the next reporting clause."""
        return (_pick_quote(text, toks, quotes, a, b, cue, next_cue) if quotes else None) \
            or _colon_speech(text, toks, a, b, cue, self._clause_end(toks, max(b, cue.end), sent_end))

    def _clause_end(self, toks, start: int, sent_end: int) -> int:
        """Where unmarked speech after ``start`` ends: before the next clause that opens with و and a
        speech verb (... وأضاف أن، وبين المصدر أن: a new report), else at the end of the sentence."""
        nxt = next((t for t in toks[start:] if t.norm[:1] == "و" and t.bare != t.norm and t.bare in self._verb_set), None)
        return min(sent_end, nxt.start) if nxt is not None else sent_end

    def publisher(self, doc_id: str, outlet: str | None, url: str | None) -> SourceMention | None:
        """The publisher row from metadata: ``outlet`` when given, else the URL's host (not in the text:
        ``sentence_index``, ``start`` and ``end`` are None)."""
        if outlet and outlet.strip():
            hit = self._lookup_outlet(outlet.strip())
            canonical, kind = hit or (outlet.strip(), "media")
            return SourceMention(doc_id, None, None, None, outlet.strip(), canonical, kind, "metadata:outlet",
                                 None, None, None, "publisher", 1.0 if hit else 0.6, "metadata")
        if url and self.settings.publisher_from_url:
            host = (urlparse(url if "//" in url else "//" + url).hostname or "").casefold()
            if host:
                hit = self._lookup_host(host)
                canonical, kind = hit or (host.removeprefix("www."), "media")
                return SourceMention(doc_id, None, None, None, host, canonical, kind, "metadata:url",
                                     None, None, None, "publisher", 0.9 if hit else 0.5, "metadata")
        return None

    def agency_credits(self, doc_id: str, text: str, sentences: Sequence[Sentence]) -> list[SourceMention]:
        """Agency credits: ``(أ ف ب)``, ``الرياض - واس``, ``- AFP``, a sign-off ``«رويترز»`` ..."""
        found: dict[tuple[int, int], SourceMention] = {}
        for cue, regex in self._credit_res:
            for m in regex.finditer(text):
                s, e = m.span("alias")
                if any(a < e and s < b for a, b in found):
                    continue
                before = text[max(0, s - 45):s]
                if cue == "bracket" and (_norm(before).rstrip(" («[").endswith(("وكاله", "agence", "agency"))
                                         or self._alias_ends(before)):
                    continue  # "وكالة الأنباء السعودية (واس)": an expansion, not a credit
                if re.search(r"(الصور|صور|تصوير|photo)\W*(من)?\W*$", before[-20:], re.I):
                    continue  # photo credits
                key = _norm_key(text[s:e])
                canonical = self._agency_aliases.get(key)
                if canonical is None:
                    continue
                conf = 0.95 if cue in ("bracket", "dateline") else 0.85
                found[(s, e)] = SourceMention(doc_id, _sentence_at(sentences, s), s, e, text[s:e], canonical,
                                              "news_agency", cue, None, None, None, "agency_credit", conf)
        return [found[k] for k in sorted(found)]

    # ---------------------------------------------------------------- outlets
    def _lookup_outlet(self, outlet: str) -> tuple[str, str] | None:
        key, nkey = outlet.casefold(), _norm(outlet)
        for ids, hosts, canonical, kind in self._outlets:
            if key in ids or nkey in ids or key.removeprefix("www.") in hosts:
                return canonical, kind
        if "." in key:
            return self._lookup_host(key)
        return None

    def _lookup_host(self, host: str) -> tuple[str, str] | None:
        host = host.removeprefix("www.")
        for _ids, hosts, canonical, kind in self._outlets:
            if any(host == h or host.endswith("." + h) for h in hosts):
                return canonical, kind
        return None

    def _outlet_canonical(self, outlet: str | None, url: str | None) -> str | None:
        row = self.publisher("", outlet, url)
        return row.canonical if row else None

    def _alias_ends(self, before: str) -> bool:
        toks = [m.group(0) for m in _TOKEN_RE.finditer(before) if m.group(0) not in "«»\"“”()[]"]
        norms = tuple(_norm(t) for t in toks)
        for n in range(1, min(self._max_alias, len(norms)) + 1):
            if norms[-n:] in self._agency_aliases:
                return True
        return False

    # ---------------------------------------------------------------- cited sources
    def _cited(self, doc_id: str, text: str, sentences: Sequence[Sentence], entities: Sequence[Entity],
               publisher: str | None, tokens: dict[tuple[int, int], _Toks]) -> list[SourceMention]:
        rows: list[SourceMention] = []
        sent_toks = []
        memory_toks = []
        for sent in sentences:
            if sent.is_boilerplate or text[sent.start:sent.end].lstrip().startswith(_LINK_LINES):
                continue  # (رابط الخبر بصحيفة الوئام: <the headline again>: no attribution of its own)
            words = _quick_words(text[sent.start:sent.end])
            has_cue = _any_word(words, self._cue_filter)
            if has_cue or (self.settings.resolve_names and _any_word(words, self._title_filter)):
                toks = tokens[(sent.start, sent.end)] = tokenise(text, sent.start, sent.end)
                memory_toks.extend(toks)
                if has_cue:
                    sent_toks.append((sent, toks))
        names = self._name_memory(memory_toks) if self.settings.resolve_names and sent_toks else {}
        if names is not None and self.settings.resolve_names and sent_toks and entities:
            self._entity_memory(text, sentences, entities, names)
        last_agency: list[str] = []
        last_official: list[str] = []
        for sent, toks in sent_toks:
            if not toks:
                continue
            has_latin = bool(_LATIN_RE.search(sent.text)) if sent.text else bool(_LATIN_RE.search(text[sent.start:sent.end]))
            cues = self._find_cues(toks, has_latin)
            participles = self._find_participles(toks)
            if not cues and not participles:
                continue
            all_quotes = _quote_spans(text, sent.start, sent.end)
            quotes = all_quotes if self.settings.extract_quotes else []
            long_quotes = [(qs, qe) for qs, qe in all_quotes if len(text[qs + 1:qe].split()) >= 3]
            cues = [c for c in cues if not any(qs < toks[c.start].start < qe for qs, qe in long_quotes)]
            participles = [c for c in participles if not any(qs < toks[c.start].start < qe for qs, qe in long_quotes)]
            sent_ents = [e for e in entities if sent.start <= e.start < sent.end]
            used: list[tuple[int, int]] = []

            def emit(cue, found_all, next_cue):
                relayed = any(f[1].endswith((" عن", " قول")) for f in found_all)
                for found in found_all:
                    (a, b), cue_text, direction, strength = found
                    b = self._trim_after_name(toks, a, b, sent_ents)
                    trim = toks.trims.get(a, 0) if cue_text.endswith(" ل") or cue.type == "prep" else 0
                    trim = trim or toks.conj_trims.get(a, 0)
                    quotable = not cue_text.endswith(" ل") and (cue_text.endswith((" عن", " قول")) or not relayed)
                    s, e = toks[a].start + trim, toks[b - 1].end
                    if s > 0 and text[s - 1] in _QUOTE_OPEN and _QUOTE_OPEN[text[s - 1]] in text[s:e]:
                        s -= 1  # “جون كولر” نائب الرئيس: the quotes stay balanced
                    if e < len(text) and _unbalanced_before(text[s:e], text[e]):
                        e += 1  # صحيفة «عكاظ»: the closing quote too
                    if any(s < ue and us < e for us, ue in used):
                        continue
                    used.append((s, e))
                    seg = list(toks[a:b])
                    if trim:
                        t0 = seg[0]
                        seg[0] = _Tok(t0.start + trim, t0.end, t0.text[trim:],
                                      _after_l(t0.norm) if t0.norm.startswith("ل") else t0.norm[1:], True)
                    kind, canonical, kconf = self._classify(seg, text[s:e], sent_ents, names, last_agency, cue,
                                                            last_official)
                    if kind == _UNTITLED and self._speaks_directly(toks, cue, a, b, direction, sent_ents):
                        kind, kconf = "person", -0.1  # وقال عثمان علي “...”: a bare name speaking to the reporter
                    if kind == _UNTITLED:
                        used.pop()
                        continue  # a bare name with no role anywhere in the text: official or person is a guess
                    if kind == "person" and kconf < 0 and toks[a].norm[:1] in "بلك" and toks[a].norm.endswith("ه"):
                        used.pop()
                        continue  # حذرت بطريقة ...: an adverbial, not a bare name
                    if kind == "unknown" and (cue.type == "prep" or direction == "back" or b - a > 3
                                              or not _immediate_complement(toks, b)
                                              or any(len(t.norm) > 4 and t.norm.endswith(("كم", "هم", "نا"))
                                                     for t in seg)):
                        used.pop()
                        continue
                    if (kind == "person" and kconf < 0) and (
                            cue.type == "prep" or direction == "back" or not (
                                _immediate_complement(toks, b) or _object_complement(toks, cue, b)
                                or (b < len(toks) and self._is_recipient(toks[b]))
                                or (b + 1 < len(toks) and toks[b].norm == "ل" and toks[b + 1].text in _QUOTE_OPEN))):
                        used.pop()
                        continue  # no evidence that this phrase is a source
                    if kind == "news_agency":
                        last_agency.append(canonical)
                    elif kind == "official" and not (len(seg) == 1 and seg[0].norm in _HONORIFIC_PRONOUNS):
                        last_official.append(canonical)
                    if self._name_then_title(seg):  # عزام الدخيل وزير التعليم -> عزام الدخيل
                        name = self._lead_name(seg)
                    else:
                        name = self._name_tokens(seg) or self._lead_name(seg)
                    if name and kind in ("official", "person") and self.settings.resolve_names:
                        key = " ".join(name)
                        if kind == "official" or key not in names:
                            names[key] = (kind, canonical)
                    if cue_text.endswith(" ل") and publisher and (
                            canonical == publisher or self._outlet_aliases.get(tuple(t.norm for t in seg if t.is_word)) == publisher):
                        used.pop()
                        continue  # "صرح لـ«سبق»": the publisher's own interview, not a cited outlet
                    quote = None
                    if cue.type in _QUOTING_CUES and quotable and self.settings.extract_quotes:
                        quote = self._find_quote(text, toks, quotes, a, b, cue, next_cue, sent.end)
                    conf = 0.5 + strength + kconf - (0.05 if direction == "back" else 0.0)
                    if quote:
                        conf += 0.05
                    if cue_text.endswith(" ل") and cue.lang != "ar":
                        cue_text = cue_text[:-2] + " to"
                    rows.append(SourceMention(doc_id, sent.sentence_index, s, e, text[s:e], canonical, kind,
                                              cue_text, quote[2] if quote else None,
                                              quote[0] if quote else None, quote[1] if quote else None,
                                              "cited", round(min(conf, 0.99), 3)))

            for ci, cue in enumerate(cues):
                next_cue = cues[ci + 1].start if ci + 1 < len(cues) else len(toks)
                found = list(self._sources_for_cue(toks, cue, cues, next_cue, names))
                if not found and self._pronoun_continuation(toks, cue):
                    # استند الفنان فلان على ...، وقال: the subject of the clause's first verb speaks
                    found = list(self._participle_subject(toks, cue, names, past_quotes=True))
                emit(cue, found, next_cue)
            for cue in participles:
                emit(cue, list(self._participle_subject(toks, cue, names)), cue.start)
        return rows

    def _find_cues(self, toks: list[_Tok], has_latin: bool) -> list[_Cue]:
        cues: list[_Cue] = []
        i = 0
        n = len(toks)
        first_keys = self._cue_first
        while i < n:
            best = None
            tok = toks[i]
            if tok.bare == "علمت" and (i == 0 or not toks[i - 1].is_word or tok.norm != tok.bare):
                cues.append(_Cue("ar", "verb", i, i + 1, tok.text))  # علمت «سبق» من مصادرها: the outlet learnt
                i += 1
                continue
            if tok.bare in _THANKS_VERBS and tok.norm not in first_keys and self._thanks_follow(toks, i):
                cues.append(_Cue("ar", "verb", i, i + 1, tok.text))
                i += 1
                continue
            if tok.norm not in first_keys and tok.bare not in first_keys \
                    and tok.bare not in _REFUSAL_VERBS:
                i += 1
                continue
            for length in range(min(self._max_cue, n - i), 0, -1):
                seq = tuple(t.norm for t in toks[i:i + length])
                hit = self._cues.get(seq)
                if hit is None and toks[i].arabic:
                    hit = self._cues.get((toks[i].bare,) + seq[1:])  # وقال، فبحسب
                if hit and (hit[0] == "ar" or has_latin):
                    best = (length, hit)
                    break
            if best and best[1][1] == "verb" and i > 0 and toks[i - 1].norm in ("عن", "من", "في", "على", "الي", "بعد", "قبل"):
                best = None  # فضلا عن حث الشباب: a verbal noun after a preposition, not a verb
            if best and best[1][1] == "verb" and i > 0 and tok.norm == tok.bare \
                    and toks[i - 1].norm in self._titles.get("document", ()) and not toks[i - 1].norm.startswith("ال"):
                # في دراسة نشرت الأسبوع الماضي: a relative clause on an indefinite document (a definite one
                # takes التي), not a new report; الفحوصات أكدت is a subject and its verb
                best = None
            if best and tok.text.lstrip("وف").startswith("إبان"):
                best = None  # إبان (during), not أبان (he made clear)
            if best:
                length, (lang, ctype) = best
                cues.append(_Cue(lang, ctype, i, i + length, " ".join(t.text for t in toks[i:i + length])))
                i += length
            else:
                if toks[i].norm in self._refusal_verbs or toks[i].bare in _REFUSAL_VERBS:
                    # "رفض مصدر مطلع ... التعليق": discontinuous refusal cue
                    for j in range(i + 1, min(n, i + self.settings.max_source_tokens + 3)):
                        if toks[j].norm in ("التعليق", "الافصاح", "الكشف"):
                            cues.append(_Cue("ar", "refusal", i, i + 1, toks[i].text + " التعليق"))
                            break
                        if not toks[j].is_word and toks[j].text not in "-":
                            break
                i += 1
        return cues

    def _thanks_follow(self, toks, i) -> bool:
        """A courtesy verb at the head of its clause with the thanks it gives further on (وقدم فلان شكره ل،
        وشكر فلان الجميع على): not قدم اللاعب أداء، رفع الستار."""
        tok = toks[i]
        if "ar" not in self.settings.languages or (i > 0 and toks[i - 1].is_word and tok.norm == tok.bare):
            return False  # (a clause-initial verb: after punctuation or with its و / ف)
        if tok.bare in ("شكر", "شكرت"):  # the verb opens its sentence or clause; شكره وشكر أبناء الجالية is a noun
            window = toks[i + 1:i + 12]
            return (i == 0 or not toks[i - 1].is_word) and any(t.norm in ("على", "علي") for t in window) \
                and not any(t.text in ".!؟?:" for t in window[:2])
        for t in toks[i + 1:i + 12]:
            if t.text in ".!؟?:" or t.text in _QUOTE_OPEN:
                return False
            if t.norm in _THANKS_WORDS:
                return True
        return False

    def _learnt_from(self, toks, cue, next_cue):
        """علمت مصادر «...» أن / علمت «سبق» من مصادرها أن: the unnamed sources the outlet learnt it from."""
        np = self._np_forward(toks, cue.end, next_cue)
        if np and self._head_kind(toks[np[0][0]:np[0][1]]) == "anonymous":
            yield np[0], cue.text, "fwd", 0.1
            return
        for k in range(cue.end, min(next_cue, cue.end + 8)):
            if toks[k].norm == "من" or toks[k].norm.startswith("من") and toks[k].norm[2:4] == "مص":
                src = self._np_forward(toks, k + 1 if toks[k].norm == "من" else k, next_cue)
                if src and self._head_kind(toks[src[0][0]:src[0][1]]) in ("anonymous", "official", "government"):
                    yield src[0], cue.text + " من", "fwd", 0.1
                return
            if toks[k].norm in _THAT:
                return

    def _masculine_title(self, tok) -> bool:
        """وزير، المبعوث، المتحدث: a man's office (not وزيرة, nor عضو / سمو / معالي, said of women too)."""
        return tok.norm in self._titles.get("official", ()) and not tok.norm.endswith(("ه", "ات", "ان")) \
            and tok.norm not in ("سمو", "معالي", "عضو", "العضو", "صاحب", "خادم")

    def _find_participles(self, toks: list[_Tok]) -> list[_Cue]:
        """Participle cues followed by reported content (مؤكدا أن، مشيرا إلى، معربا عن، «...»)."""
        if "ar" not in self.settings.languages:
            return []
        found = []
        for i, t in enumerate(toks[:-1]):
            if t.norm not in _PARTICIPLE_CUES:
                continue
            nxt = toks[i + 1]
            if nxt.norm in ("له", "لها", "لهم", "لهما", "لنا", "لي") and i + 2 < len(toks) \
                    and (toks[i + 2].norm in _THAT or toks[i + 2].text in _QUOTE_OPEN or toks[i + 2].text == ":"):
                nxt = toks[i + 2]  # مؤكداً لهم أن: whom it was said to, then the content
            prev = toks[i - 1] if i else None
            if prev is not None and prev.arabic and (prev.text.endswith(("ا", "اً")) or prev.norm in _COPULAS):
                continue  # حصاراً مشدداً على، ليست مطالبة ب: an adjective or a predicate, not a cue
            stem = t.norm[:-2] if t.norm.endswith("ين") else t.norm[:-1]
            if nxt.norm in _THAT or nxt.norm in ("الي", "على", "علي", "عن") or nxt.text in _QUOTE_OPEN \
                    or nxt.text == ":" or (stem in _PARTICIPLE_BY and nxt.norm.startswith("ب") and len(nxt.norm) > 3):
                found.append(_Cue("ar", "participle", i, i + 1, t.text))
        return found

    def _participle_subject(self, toks, cue, names, past_quotes=False):
        """The subject of the verb that opens the participle's clause, when it names a source:
        a title or body (head word), a known alias, or a name the document gave a role. With
        ``past_quotes`` the clause runs back over quoted words (ل»المدينة» أن ...، وأوضح)."""
        c = cue.start
        while c > 0 and toks[c - 1].text not in (".", "!", "؟", "?", ":") and (
                past_quotes or toks[c - 1].text not in _QUOTE_CHARS):
            c -= 1
        if c + 1 < cue.start and toks[c].norm == "من" and toks[c + 1].norm in ("جانبه", "جانبها", "جهته", "جهتها", "ناحيته"):
            c += 2  # من جانبه، أكد ...
            if c < cue.start and toks[c].text in ("،", ","):
                c += 1
        if c < cue.start and (toks[c].norm in _CLAUSE_LEAD or toks[c].norm in _LEAD_SKIP or toks[c].norm in ("بعدها", "بعده")):
            c += 1
        verb = toks[c] if c < cue.start else None
        if verb is None or not verb.arabic or verb.norm in _THAT or verb.norm in self._stop_ar \
                or verb.norm.startswith(("ال", "وال", "بال", "لل")) or verb.norm in _NAME_CONNECT:
            return  # the clause opens with no verb (إن ...، الوزير ...): its subject is not found this way
        j = c + 1
        while j < cue.start and (toks[j].norm in _TIME_LEAD or toks[j].norm in _LEAD_SKIP or toks[j].text in ("،", ",")) \
                and toks[j].norm not in ("في", "من"):
            j += 1
        if j >= cue.start or toks[j].norm in ("في", "من", "الي", "على", "عن", "مع", "ب", "ل"):
            return
        np = self._np_forward(toks, j, cue.start)
        if not np:
            return
        a, b = np[0]
        between = toks[b:cue.start]
        if any(t.norm in self._titles.get("official", ()) or t.norm in self._titles.get("person", ())
               or (t.norm[:1] in "ولب" and t.norm[1:] in self._titles.get("official", ())) for t in between):
            return  # another person is named before the participle: it may be theirs
        b = next((k for k in range(a + 1, b) if _has_pronoun_suffix(toks[k])
                  or _strip_clitic(toks[k].norm) in ("الذي", "التي", "الذين")), b)  # وأبدى والد الشهيد [اعتزازه]: the object
        seg = toks[a:b]
        if not self._looks_like_subject(toks, a, b):
            return
        if self._head_kind(seg) is not None or self._has_alias(seg, at_start=True) or self._name_then_title(seg) \
                or self._known_name(seg, names) or (b - a == 1 and toks[a].norm in _HONORIFIC_PRONOUNS):
            yield (a, b), cue.text, "fwd", 0.0

    def _speaks_directly(self, toks, cue, a, b, direction, ents) -> bool:
        """A bare name the tagger calls a person, of two words or more, right after a speech verb and right
        before its direct speech (a quote, a colon, إن) or the reporter it spoke to (للصحافيين، ل"سبق"): a
        private person quoted by the paper (a vox pop), not a scripture or a classic quoted by a columnist."""
        words = [t.norm for t in toks[a:b] if t.is_word]
        if direction != "fwd" or cue.type != "verb" or toks[cue.start].bare not in _SPEECH_VERBS \
                or a != cue.end or len(words) < 2 or b >= len(toks) or _SACRED & set(words) \
                or words[0] in ("ابن", "ابو") or words[0].startswith("ل") or not any(
                    e.type == "PER" and e.start < toks[b - 1].end <= e.end + 1 and toks[a].start < e.end for e in ents):
            return False  # (the tagged name must end the phrase: not "كيم [للمحققين]", "فلان [أتمنى]")
        nxt = toks[b]
        k = b + 1 if nxt.text in ("،", ",") else b
        return k < len(toks) and (toks[k].text in _QUOTE_OPEN or toks[k].text == ":" or toks[k].norm in ("ان", "انه", "انها")
                                  or toks[k].norm in _RECIPIENT_WORDS
                                  or (toks[k].norm == "ل" and k + 1 < len(toks) and toks[k + 1].text in _QUOTE_OPEN))

    def _pronoun_continuation(self, toks, cue) -> bool:
        """وقال: / وأضاف أن / وأكد «...» inside a sentence: a speech verb with a pronoun subject."""
        if cue.type != "verb" or cue.lang != "ar" or cue.end != cue.start + 1 or cue.start == 0:
            return False
        verb = toks[cue.start]
        if verb.bare not in _SPEECH_VERBS | _STRONG_VERBS or verb.norm == verb.bare or verb.norm[:1] not in "وف":
            return False
        if toks[cue.start - 1].text not in ("،", ","):
            return False
        nxt = toks[cue.end] if cue.end < len(toks) else None
        return nxt is not None and (nxt.text == ":" or nxt.norm in _THAT or nxt.text in _QUOTE_OPEN)

    def _is_cue_start(self, toks: list[_Tok], i: int) -> bool:
        """A one-word cue here, or the whole of a longer one (في alone is not a cue; في تصريح is)."""
        t = toks[i]
        if t.norm in self._cue_single or t.bare in self._cue_single:
            return True
        if t.norm not in self._cue_first and t.bare not in self._cue_first:
            return False
        for length in range(min(self._max_cue, len(toks) - i), 1, -1):
            seq = tuple(x.norm for x in toks[i:i + length])
            if seq in self._cues or (t.arabic and (t.bare,) + seq[1:] in self._cues):
                return True
        return False

    def _sources_for_cue(self, toks: list[_Tok], cue: _Cue, cues: list[_Cue], next_cue: int,
                         names: dict[str, tuple[str, str]] | None = None):
        """Yield ((a, b) token range, cue text, direction, strength) for each source of ``cue``."""
        if cue.lang == "ar":
            yield from self._sources_ar(toks, cue, cues, next_cue, names or {})
        else:
            yield from self._sources_latin(toks, cue, next_cue)

    # Arabic ----------------------------------------------------------------------------
    def _sources_ar(self, toks, cue, cues, next_cue, names):
        n = len(toks)
        i = cue.end
        cue_text = cue.text
        if cue.type == "prep":
            # وفقا لـ X / وفقا لما ذكرته X / بحسب ما ذكرت X / كما أعلن X
            also = toks[cue.start].bare == "كما"
            if also and not (i < n and self._is_cue_start(toks, i)
                             and (toks[i].bare not in _AMBIGUOUS_VERBS or toks[i].bare in _SPEECH_VERBS)):
                return  # كما زادت التكاليف: not a reporting clause
            # كما أضاف المشروع ميزات is not reporting either: قال/أضاف/ذكر need a titled subject here
            titled_only = also and toks[i].bare in _AMBIGUOUS_VERBS
            if i < n and toks[i].norm == "ل":
                i += 1
            if i < n and toks[i].norm in ("ما", "لما") and i + 1 < n and (self._is_cue_start(toks, i + 1) or (
                    toks[i + 1].norm.endswith("ه") and toks[i + 1].norm[:-1] in self._verb_set)):  # حسب ما قالته
                j = i + 1
                cue_text += " " + toks[i].text + " " + toks[j].text
                i = j + 1
            elif i < n and _norm(cue_text.split()[-1]).endswith("ما") and self._is_cue_start(toks, i):
                cue_text += " " + toks[i].text  # حسبما أفاد مسؤولون
                i += 1
            last = _strip_clitic(_norm(cue_text.split()[-1]))
            if last in _STATEMENT_TO and i < n and toks[i].norm == "الي":
                i += 1  # في تصريح إلى مدير ...
            elif last in _STATEMENT_TO and not (i < n and toks[i].arabic and toks[i].norm.startswith("ل")
                                                and len(toks[i].norm) > 2) and last not in ("اسئله", "سؤال") \
                    and not (i > cue.end and toks[i].text in _QUOTE_OPEN):
                return  # في تصريح صحفي: only "في تصريح لوكالة ..." / "في حديثه لـ«سبق»" names a source
            next_cue = next((c.start for c in cues if c.start >= i), n)  # a verb folded into the cue is not a limit
            np = self._np_forward(toks, i, next_cue,
                                  strip_l=last in ("وفقا", "فقا", "طبقا", "ل") or last in _STATEMENT_TO)
            if np and last in ("وفقا", "فقا", "طبقا", "وفق", "حسب", "بحسب", "ل") \
                    and _after_l(_strip_clitic(toks[np[0][0]].norm)) in _CONFORMITY_NOUNS:
                return  # وفقا لميثاق روما، حسب معايير التصنيف: conformity to a rule, not a source
            if np and titled_only and self._head_kind(toks[np[0][0]:np[0][1]]) is None \
                    and not self._has_alias(toks[np[0][0]:np[0][1]]):
                return
            if np:
                (a, b), stop = np
                if stop is not None and stop < n and toks[stop].norm.startswith("ل") and self._is_recipient(toks[stop]) \
                        and stop == b and self._media_head(toks[a]):
                    owner = self._np_forward(toks, stop, next_cue, strip_l=True)
                    if owner:  # وفقا للموقع الإلكتروني لصحيفة “ديلي ميل”: whose website, not whom it told
                        np = ((a, owner[0][1]), owner[1])
                yield np[0], cue_text, "fwd", 0.25
                yield from self._after_np(toks, np, cue_text, next_cue)
            return
        if cue.type == "relay":
            # قائلين لرويترز، مضيفا لـ«الشرق الأوسط»: only the outlet a statement was given to
            if i < n and toks[i].norm.startswith("ل") and toks[i].norm not in _RECIPIENT_WORDS \
                    and self._is_recipient(toks[i]):
                np = self._np_forward(toks, i, next_cue, strip_l=True)
                if np:
                    yield np[0], cue_text + " ل", "fwd", 0.1
            return
        if cue.type == "passive":
            # جاء في بيان لوزارة الداخلية / جاء في التقرير
            if toks[cue.end - 1].norm in ("فيه", "فيها", "نصه", "نصها"):
                # بعث برقية شكر ... جاء فيها / صدر أمر ملكي فيما يلي نصه: the document named before
                verb_like = ("امر", "الامر") if toks[cue.end - 1].norm in ("فيه", "فيها") else ()
                docs = [k for k in range(cue.start - 1, -1, -1)
                        if toks[k].norm in self._titles.get("document", ()) and toks[k].norm not in verb_like]
                if docs:
                    np = self._np_forward(toks, docs[0], cue.start)
                    if np:  # the document and its qualifiers, not whom it was sent to (برقية شكر [لفخامة ...])
                        end = next((k for k in range(docs[0] + 1, np[0][1]) if toks[k].norm[:1] in "لب"), np[0][1])
                        yield (np[0][0], end), cue_text, "fwd", 0.1
                return
            np = self._np_forward(toks, i, next_cue, allow_l=True)
            if np and self._head_kind(toks[np[0][0]:np[0][1]]) == "document":
                yield np[0], cue_text, "fwd", 0.2
            return
        if toks[cue.start].bare == "علمت":
            yield from self._learnt_from(toks, cue, next_cue)
            return
        # verb (and refusal): look for the subject after the verb, else before it
        j = i
        while j < n and j < i + 3 and (toks[j].norm in _TIME_LEAD or toks[j].norm in _LEAD_SKIP) \
                and toks[j].norm not in ("في", "من"):
            j += 1
        if j < n and toks[j].norm in ("،", ",") and j == i:
            j += 1
        if j < n and toks[j].norm == "ل" and j + 1 < n and toks[j + 1].text in _QUOTE_OPEN:
            close = _QUOTE_OPEN[toks[j + 1].text]
            k = j + 2
            while k < n and k < j + 8 and toks[k].text != close:
                k += 1
            if k < n and toks[k].text == close:
                j = k + 1  # وكشف ل«عكاظ» مصدر مطلع: the outlet told comes before the subject
        elif j < n and toks[j].norm in _RECIPIENT_WORDS:
            j += 1
        elif j < n and toks[j].norm.startswith("ل") and self._is_recipient(toks[j]):
            told = self._np_forward(toks, j, next_cue, strip_l=True)
            if told:  # وقال لرويترز: the outlet a statement was given to
                yield told[0], cue_text + " ل", "fwd", 0.1
                j = told[0][1]
            else:
                j += 1
        verb = toks[cue.start].bare if toks[cue.start].bare in self._verb_keys else toks[cue.start].norm
        # a verb before its subject is singular in Arabic: after قالوا/طالبوا/قالا the noun is the object
        plural = cue.lang == "ar" and cue.end == cue.start + 1 and verb.endswith(("وا", "ون")) or verb in ("قالا", "اوضحا")
        np = self._np_forward(toks, j, next_cue, stop_bal="ب" in _OBJECT_PREP.get(verb, ())) \
            if j < next_cue and not plural else None
        if np and verb.endswith("ت") and verb[:-1] in self._verb_set and self._masculine_title(toks[np[0][0]]):
            np = None  # وأبلغت [المبعوث الدولي] استعدادها: a feminine verb's subject is no man; he is the one told
        if np and verb in ("ابلغ", "ابلغت") and cue.start > 0:
            back = self._np_backward(toks, cue.start, cues, names)
            if back and (back[0] == 0 or not toks[back[0] - 1].is_word) \
                    and self._head_kind(toks[back[0]:back[1]]) in ("anonymous", "official", "government", "organisation"):
                yield back, cue_text, "back", 0.1  # مصادر ميدانية أبلغت «الشرق الأوسط» أن: who told the outlet
                yield np[0], cue_text + " ل", "fwd", 0.1
                return
        if np and verb in ("ابلغ", "ابلغت"):  # أبلغ الوزير فلان [المبعوث الأممي فلان] تمسك ...: whom he told
            (a, b), stop = np
            k = next((k for k in range(a + 2, b) if toks[k].norm.startswith("ال") and toks[k].norm in self._titles.get(
                "official", ()) and self._name_tokens(toks[a:k])), None)
            if k is not None:
                np = ((a, k), k)
        if np and (verb in _DIRECTIVE_VERBS or verb in ("شكر", "شكرت")):
            (a, b), stop = np
            k = next((k for k in range(a + 1, b) if _strip_clitic(toks[k].norm) in _ADDRESSEES), None)
            if k is not None:  # وناشدت وزارة الصحة [المواطنين] بضرورة: whom the appeal is addressed to
                np = ((a, k), k)
            elif verb in ("شكر", "شكرت"):
                return  # وشكر المديرية العامة على ...: one phrase is whom he thanked, not who thanks
        if np and verb in ("ابدي", "ابدت"):  # أبدى مدرب الفريق [سعادته]: the feeling shown is the object
            (a, b), stop = np
            if _has_pronoun_suffix(toks[a]) or toks[a].norm in _SHOWN_FEELINGS or toks[a].text.endswith("ا"):
                return  # أبدى رغبته ...، أبدى سعادة كبيرة: a pronoun subject; the noun is what was shown
            k = next((k for k in range(a + 1, b) if _has_pronoun_suffix(toks[k]) or toks[k].norm in _SHOWN_FEELINGS
                      or toks[k].arabic and toks[k].text.endswith("ا") and not toks[k].norm.startswith("ال")), None)
            if k is not None:
                np = ((a, k), k)
        if np and verb in _THANKS_VERBS:  # وقدم الرائد فلان [شكره] لكل المشاركين: the thanks end the subject
            (a, b), stop = np
            if toks[a].norm in _THANKS_WORDS:
                return  # وقدم الشكر ل...: a pronoun subject
            k = next((k for k in range(a + 1, b) if toks[k].norm in _THANKS_WORDS), None)
            if k is not None:
                np = ((a, k), k)
        if verb in ("بين", "بينت"):  # also the preposition "between": only وبين + a titled subject
            if toks[cue.start].norm == verb and cue.start > 0:
                return
            quoted_name = bool(np) and np[0][0] > 0 and toks[np[0][0] - 1].text in _QUOTE_OPEN \
                and _immediate_complement(toks, np[0][1])  # وبينت "موبايلي" أنه
            if not np or (self._head_kind(toks[np[0][0]:np[0][1]]) is None and not self._has_alias(toks[np[0][0]:np[0][1]])
                          and not quoted_name and not self._known_name(toks[np[0][0]:np[0][1]], names)):
                return
        if verb in ("عبر", "عبرت"):  # also the preposition "via": only وعبر + a titled subject
            if toks[cue.start].norm == verb and cue.start > 0:
                return
            seg = toks[np[0][0]:np[0][1]] if np else []
            if not np or (self._head_kind(seg) is None and not self._has_alias(seg)
                          and not (len(seg) == 1 and seg[0].norm in _HONORIFIC_PRONOUNS)):
                return
        if cue.type == "verb" and verb in _STRONG_VERBS and cue.start > 0 and toks[cue.start].norm == verb:
            back = self._np_backward(toks, cue.start, cues)
            fwd_seg = toks[np[0][0]:np[0][1]] if np else []
            clause_start = bool(back) and (back[0] == 0 or not toks[back[0] - 1].is_word or toks[back[0] - 1].norm in (
                "لكن", "ولكن", "بينما", "فيما", "اذ", "حيث", "كما", "فقد", "وقد"))
            if back and clause_start and back[1] == cue.start and self._is_whole_alias(toks[back[0]:back[1]]) and (
                    not np or (self._head_kind(fwd_seg) is None and not self._has_alias(fwd_seg))):
                ok, strength = self._complement(toks, cue.end, next_cue, verb, cue)
                yield back, cue_text, "back", strength if ok else 0.0  # لكن الكرملين ينفي دوما تورطه
                return
        if verb in ("نقل", "نقلت", "ينقل", "تنقل") and j < next_cue and toks[j].norm == "عن":
            relayed = self._np_forward(toks, j + 1, next_cue)  # ونقلت عن مدرب روماني ...: the subject is a pronoun
            if relayed and self._looks_like_subject(toks, *relayed[0]):
                yield relayed[0], cue_text + " عن", "fwd", 0.2
            return
        if np and verb in ("نقل", "نقلت", "ينقل", "تنقل"):
            (a, b), stop = np
            relay = stop is not None and toks[stop].norm in ("عن", "قول", "قوله", "قولها")
            if not relay and self._head_kind(toks[a:b]) not in ("media", "agency", "document"):
                return
        if np and cue.type == "verb" and verb not in _AMBIGUOUS_VERBS and self._head_kind(toks[np[0][0]:np[0][1]]) is None \
                and not self._has_alias(toks[np[0][0]:np[0][1]]) and not self._known_name(toks[np[0][0]:np[0][1]], names) \
                and len(self._name_tokens(toks[np[0][0]:np[0][1]])) < 2:
            back = self._np_backward(toks, cue.start, cues, names)
            one_word = bool(self._name_tokens(toks[np[0][0]:np[0][1]]))  # تفكيك «خلية»: one unknown word is no name
            if back and self._head_kind(toks[back[0]:back[1]]) in ("official", "government", "organisation", "media",
                                                                   "agency", "document") \
                    and (not one_word or back[0] == 0 or not toks[back[0] - 1].is_word
                         or toks[back[0] - 1].norm in _THAT | _KANA | {"فان"}):
                # وكانت السلطات المغربية اعلنت الثلاثاء [تفكيك خلية]: a titled subject before, a bare object after
                yield back, cue_text, "back", 0.05
                return
        if np:
            (a, b), stop = np
            if b + 1 < min(n, next_cue) and toks[b].text in ("،", ",") and (
                    toks[b + 1].norm in self._all_title_words or _strip_clitic(toks[b + 1].norm) in self._all_title_words):
                appos = self._np_forward(toks, b + 1, next_cue)
                if appos:  # قال ريتشارد هورويل، المحامي المكلف بالدفاع عن شرطة لندن، ...
                    np = ((a, appos[0][1]), appos[1])
                    (a, b), stop = np
            elif self._head_kind(toks[a:b]) in ("official", "person") and not self._name_tokens(toks[a:b]):
                name_end = self._appositive_name_end(toks, b, next_cue)
                if name_end:  # وبين المتحدث الرسمي بصحة الجوف، فهد الكريع، أن
                    np = ((a, name_end), name_end)
                    (a, b), stop = np
            if self._looks_like_subject(toks, a, b):
                ok, strength = self._complement(toks, b, next_cue, verb, cue)
                head = self._head_kind(toks[a:b])
                if verb in _PREP_ONLY_VERBS and head not in ("official", "government") \
                        and not self._has_alias(toks[a:b], at_start=True):
                    ok = False  # وعلق النادي صورة اللاعب على ...: only an official or a government directs / comments
                if not ok and (verb in _STRONG_VERBS or verb not in _AMBIGUOUS_VERBS) and cue.type == "verb" and (
                        head not in (None, "person", "anonymous", "document")
                        or (head == "anonymous" and toks[a].norm in ("مصدر", "مصادر", "المصدر", "المصادر"))
                        or self._has_alias(toks[a:b], at_start=True)
                        or self._name_then_title(toks[a:b])
                        or self._known_name(toks[a:b], names)
                        or (b - a == 1 and toks[a].norm in _HONORIFIC_PRONOUNS)):
                    ok, strength = True, 0.0  # أكد المتحدث باسم حكومة الولاية هذه الحصيلة، نفى فلان وزير التعليم
                if ok:
                    yield (a, b), cue_text, "fwd", strength
                    yield from self._after_np(toks, np, cue_text, next_cue)
                    return
        # subject-verb: "الكرملين أكد أن", "وكان الوزير قد قال"
        if cue.type == "verb":
            ok, strength = self._complement(toks, cue.end, next_cue, verb, cue)
            if ok:
                back = self._np_backward(toks, cue.start, cues, names)
                if back:
                    yield back, cue_text, "back", strength
            elif verb in _STRONG_VERBS:
                back = self._np_backward(toks, cue.start, cues)
                if back and (self._is_whole_alias(toks[back[0]:back[1]]) or (
                        self._head_kind(toks[back[0]:back[1]]) in ("official", "government", "organisation", "document")
                        and back[0] > 0 and (toks[back[0] - 1].norm in _THAT
                                             or toks[back[0] - 1].norm in _KANA))):
                    # لكن الكرملين ينفي دوما تورطه; علما بأن الرئيس المكلف فلان أكد لأعضاء الشرف عدم ...
                    yield back, cue_text, "back", 0.0



    def _after_np(self, toks, np, cue_text, next_cue):
        """Second sources hanging off the first: نقلت الوكالة عن كيم / صرح ... لوكالة رويترز."""
        (a, b), stop = np
        n = len(toks)
        if stop is None or stop >= n:
            return
        st = toks[stop]
        k = stop + 1 if st.text in ("،", ",") and stop + 1 < n else stop
        if self._coordinated_source(toks, k, after_name=bool(self._name_tokens(toks[a:b]) or self._lead_name(toks[a:b]))):
            toks.conj_trims[k] = 1
            np2 = self._np_forward(toks, k, next_cue)
            if np2:
                yield np2[0], cue_text, "fwd", 0.15
            return
        if st.norm in ("عن", "قول") and stop + 1 < n and (st.norm == "قول" or cue_text.split()[0].lstrip("وف") in (
                "نقل", "نقلت", "ينقل", "تنقل", "نقلا", "روي", "روى", "روت")):
            np2 = self._np_forward(toks, stop + 1, next_cue)
            if np2 and self._looks_like_subject(toks, *np2[0]):
                yield np2[0], cue_text + (" عن" if st.norm == "عن" else " قول"), "fwd", 0.2
        elif st.norm.startswith("ل") and st.norm not in _RECIPIENT_WORDS and self._is_recipient(st):
            np2 = self._np_forward(toks, stop, next_cue, strip_l=True)
            if np2:
                yield np2[0], cue_text + " ل", "fwd", 0.1
        elif st.norm == "ل" and stop + 1 < n:
            k = stop + 1
            if toks[k].text in _QUOTE_CHARS:
                np2 = self._np_forward(toks, k, next_cue)
                if np2:
                    yield np2[0], cue_text + " ل", "fwd", 0.1
        elif st.norm in ("في", "من", "ب"):
            # وقالت وزيرة الثقافة [في مالي فلانة] ل«رويترز»: the outlet told, after the source's complement
            for k in range(stop + 1, min(n, next_cue, stop + 9)):
                t = toks[k]
                if t.norm in _THAT or t.text in (":", ".") or t.text in _QUOTE_OPEN:
                    break
                if t.norm == "ل" and k + 1 < n and toks[k + 1].text in _QUOTE_OPEN:
                    np2 = self._np_forward(toks, k + 1, next_cue)
                    if np2:
                        yield np2[0], cue_text + " ل", "fwd", 0.1
                    break
                if t.norm.startswith("ل") and t.norm not in _RECIPIENT_WORDS and self._is_recipient(t):
                    np2 = self._np_forward(toks, k, next_cue, strip_l=True)
                    if np2:
                        yield np2[0], cue_text + " ل", "fwd", 0.1
                    break

    def _media_head(self, tok: _Tok) -> bool:
        """الموقع / للموقع / لصحيفة: a media head word, with or without the preposition ل."""
        return bool({tok.norm, _after_l(tok.norm)} & self._titles.get("media", set()))

    def _is_recipient(self, tok: _Tok) -> bool:
        """لوكالة، لصحيفة، لرويترز، لـ«عكاظ»: the outlet a statement was given to."""
        rest = tok.norm[1:]
        if rest.startswith("ل"):  # للصحيفة -> الصحيفة
            rest = "ا" + rest
        media = self._titles.get("media", set()) | self._titles.get("agency", set())
        return rest in media or (rest,) in self._agency_aliases or (rest,) in self._aliases and \
            self._aliases[(rest,)][1] in ("media", "news_agency")

    def _np_forward(self, toks, i, limit, strip_l=False, allow_l=False, stop_bal=False):
        """Longest plausible noun phrase starting at token i; ((a, b), stop_index) or None."""
        n = len(toks)
        max_len = self.settings.max_source_tokens
        a = i
        if a < n and toks[a].norm == "ل" and (strip_l or allow_l):
            a += 1
        j = a
        words = 0
        head_kind = None
        name_started = False
        alias_end = None
        while j < n and j < limit + (1 if j == a else 0) and words < max_len:
            t = toks[j]
            if not t.is_word:
                if t.text in _QUOTE_OPEN and (j == a or (words and head_kind)):
                    close = _QUOTE_OPEN[t.text]
                    k = j + 1
                    while k < n and k < j + 8 and toks[k].text != close and toks[k].is_word:
                        k += 1
                    speech = head_kind in ("official", "person") and k - j - 1 >= 3 and (
                        k + 1 >= n or toks[k + 1].text in ".!؟?")  # ويضيف مقدم البرنامج “...”.: what he said
                    if k < n and toks[k].text == close and k > j + 1 and not self._is_cue_start(toks, j + 1) \
                            and not (speech and j != a):
                        words += k - j - 1
                        at_start = j == a
                        j = k + 1
                        titled = j < n and toks[j].is_word and toks[j].norm in self._titles.get("official", ())
                        if (at_start and not titled) or head_kind in ("media", "agency", "organisation", "government"):
                            break  # ودعا "أوباما" نواب الكونغرس / حسب موقع "فيتو" اعتقد ...: the name is complete
                        # (كتب "جون كولر" نائب رئيس التسويق: a title after the quoted name continues the phrase)
                        continue
                if t.text == "(" and words and head_kind in ("media", "agency", "organisation"):
                    k = j + 1
                    while k < n and k < j + 8 and toks[k].is_word:
                        k += 1
                    if k < n and toks[k].text == ")" and k > j + 1:
                        words += k - j - 1
                        j = k + 1  # موقع (فوكوس) الألماني، صحيفة (مورجن بوست): the bracketed name
                        continue
                if t.text == "." and j > a and (toks[j - 1].norm in _LATIN_PERSON_PREFIX or (
                        toks[j - 1].norm in _ABBREVIATED_HONORIFICS and j + 1 < n and toks[j + 1].is_word)):
                    j += 1  # M. Peskov, د. طارق, م. طارق العيسى
                    continue
                if t.text in "-–" and j > a and j + 1 < n and toks[j + 1].is_word and toks[j].start == toks[j - 1].end:
                    j += 1
                    continue
                break
            norm = t.norm
            arabic = t.arabic
            if j > a:
                if j == a + 1 and (norm in ("على", "علي") and toks[a].norm in _IN_CHARGE
                                   or norm == "من" and toks[a].norm == "اكثر"):  # أكثر من مصدر
                    words += 1
                    j += 1  # القائمون على المهرجان: those in charge of it
                    continue
                if j == a + 1 and toks[a].norm in ("البعض", "الكثيرون", "الكثير", "اخرون") and norm not in ("من", "ممن"):
                    break  # يعتبرها البعض [عوامل مؤقتة]: "some" is the whole phrase unless "some of ..." follows
                if (norm in self._stop_ar or norm in _THAT or (norm in self._stop_latin and not arabic)) \
                        and not self._alias_start(toks, j):
                    break  # (بأنهم, اننا: every "that" ends the phrase, listed as a stop word or not)
                if arabic and norm[:1] == "ف" and len(norm) > 2 and (norm[1:] in _THAT or norm[1:] in ("قد", "ان", "انه")):
                    break  # فإن، فقد
                if arabic and _accusative(t):
                    break  # أصدرت الإدارة بياناً: an accusative (the object), never part of the source
                if norm in ("ل", "قول", "قولا"):
                    break
                if head_kind in ("government", "organisation", "media", "document", "agency") and arabic \
                        and toks[j - 1].arabic and toks[j - 1].norm.startswith(("ال", "وال")) \
                        and not norm.startswith(("ال", "وال", "ل", "ب", "في")) and norm not in _NAME_CONNECT \
                        and norm not in self._all_title_words and norm not in self._body_words \
                        and not self._alias_start(toks, j) \
                        and not any(x.norm in self._titles.get("official", ()) or x.norm[:1] in "لب"
                                    and x.norm[1:] in self._titles.get("official", ()) for x in toks[a + 1:j]):
                    # وأرجع البنك [سبب الارتفاع]: after a definite body an indefinite noun is the object
                    # (but a name may follow a title inside it: جامعة الملك سعود، مكتب رئيس الوزراء أحمد ...)
                    break
                if self._is_cue_start(toks, j) and norm not in self._alias_first and norm not in self._all_title_words:
                    break
                if norm in _RECIPIENT_WORDS:
                    break
                if norm.startswith("ل") and len(norm) > 1 and self._is_recipient(t):
                    break
                if self._coordinated_source(toks, j, after_name=name_started):
                    break  # قال مسؤول محلي ومصادر بالشرطة: two sources
                if norm in ("في", "ب", "من"):
                    if not self._continue_after_prep(toks, a, j):
                        break
                if head_kind == "organisation" and j == a + 2 and arabic and toks[a + 1].arabic \
                        and toks[a + 1].is_word and not toks[a + 1].norm.startswith(("ال", "لل", "ب", "ل")) \
                        and toks[a + 1].norm not in _NAME_CONNECT and toks[a + 1].norm not in self._all_title_words \
                        and not self._alias_start(toks, a + 1) \
                        and not norm.startswith(("ال", "لل", "ب", "ل")) and norm not in _NAME_CONNECT \
                        and j + 1 < n and toks[j + 1].arabic and toks[j + 1].norm.endswith(("ها", "هم", "هما")):
                    break  # أعلنت شركة موبايلي تغيير سياستها: the name ends the phrase
                if (name_started and head_kind in ("official", "person", "anonymous") or stop_bal) \
                        and norm.startswith("بال"):
                    break  # أشاد الأمير فيصل بن خالد بالجهود / نوه مدير الجامعة بالجهود: the verb's object
                if stop_bal and arabic and norm.startswith("ب") and len(norm) > 3 and norm not in _NAME_CONNECT \
                        and norm[1:] not in self._body_words and norm[1:] not in _ADMIN_WORDS \
                        and norm[1:] not in self._all_title_words and norm != "باسم":
                    break  # طالبت الجمعية بتطبيق النظام  # أشاد الأمير فيصل بن خالد بالجهود: the verb's object, not the source
                if alias_end is not None and j == alias_end and head_kind is None and not (
                        norm.startswith("ال") and t.text.endswith(("ية", "ي", "يين"))) and norm not in (
                        "للانباء", "الاخباريه", "الاخباري"):
                    break  # بحسب سكاي نيوز جددت ...: the phrase ends with the known name
                if arabic and not norm.startswith(("ال", "ل", "ب")) and norm not in self._all_title_words \
                        and norm not in self._body_words and norm not in ("باسم",) and len(norm) > 1:
                    name_started = True
            else:
                if (norm in self._stop_ar or norm in _THAT) and not self._alias_start(toks, j):
                    return None  # (بان كي مون is a name, not بأن)
                head_kind = self._head_kind(toks[j:j + 3])
                if head_kind is None and (strip_l or allow_l) and arabic and norm.startswith("ل") and len(norm) > 2:
                    bare = _Tok(t.start + 1, t.end, t.text[1:], _after_l(norm), True)
                    head_kind = self._head_kind([bare] + list(toks[j + 1:j + 3]))  # لصحيفة «عكاظ»: the head is صحيفة
                for length in range(min(self._max_alias, n - j), 0, -1):
                    if tuple(x.norm for x in toks[j:j + length]) in self._aliases:
                        alias_end = j + length
                        break
            words += 1
            j += 1
        b = j
        while b > a and (not toks[b - 1].is_word or toks[b - 1].norm in ("من", "في", "عن", "ب", "على", "الي")):
            b -= 1
        while a < b and not toks[a].is_word:
            a += 1
        if b <= a:
            return None
        if strip_l and toks[a].norm.startswith("ل") and len(toks[a].norm) > 2 and toks[a].is_word \
                and not self._alias_start(toks, a) and isinstance(toks, _Toks):
            # the attached ل of "لوكالة"/"لرويترز" is not part of the span (the tokens stay intact)
            toks.trims[a] = 1
        return (a, b), (j if j < n else None)

    def _appositive_name_end(self, toks, b, limit) -> int | None:
        """End of a personal name set off by commas after a role ("، فهد الكريع،"), or None."""
        n = min(len(toks), limit)
        if not (b + 2 < n and toks[b].text in ("،", ",") and self._looks_like_given_name(toks[b + 1])):
            return None
        k = b + 1
        while k < n and k < b + 5 and toks[k].is_word and toks[k].arabic and toks[k].norm not in self._stop_ar \
                and toks[k].norm not in _THAT and toks[k].norm not in self._all_title_words:
            k += 1
        if k >= n or k == b + 1 or not (toks[k].text in ("،", ",") or toks[k].norm in _THAT):
            return None
        return k

    def _unnamed_official(self, seg) -> bool:
        """A title with a qualifier and no name of its own: قائد عسكري يمني، مسؤول أمني كبير."""
        words = [t for t in seg if t.is_word]
        if len(words) < 2 or words[1].norm not in self._anon_qual:
            return False
        k = 2
        while k < len(words) and (words[k].norm in self._anon_qual or words[k].text.endswith(("ي", "ية"))):
            k += 1  # more qualifiers and nisba adjectives: يمني، أمريكي
        nxt = words[k] if k < len(words) else None
        return nxt is None or any(m in nxt.text for m in "\u064b\u064c\u064d") or not self._looks_like_given_name(nxt)

    def _trim_after_name(self, toks, a, b, ents) -> int:
        """End a title-then-name phrase at the name: "ممثل البرنامج إياد نقشبندي [مبادرة اللجنة]"."""
        if self._head_kind(toks[a:b]) not in ("official", "person"):
            return b
        for e in ents:
            if e.type == "PER" and toks[a].start < e.start and e.end < toks[b - 1].end:
                k = next((i for i in range(a, b) if toks[i].start >= e.end), b)
                if k < b and toks[k].is_word and toks[k].norm not in self._all_title_words \
                        and _strip_clitic(toks[k].norm) not in self._all_title_words \
                        and not toks[k].norm.startswith(("ب", "ل", "في")) and toks[k].norm not in _NAME_CONNECT:
                    return k
        return b

    def _known_name(self, seg, names) -> bool:
        """A bare name that an earlier phrase of the document gave a role: وزير الخارجية عادل الجبير ... وقال الجبير."""
        name = self._name_tokens(seg) or self._lead_name(seg)
        if not name or len(name) != len([t for t in seg if t.is_word]):
            return False
        key = " ".join(name)
        return key in names or (len(name) == 1 and any(
            k.split()[-1] == name[0] or k.split()[0] == name[0] for k in names))

    def _coordinated_source(self, toks, j, after_name: bool = True) -> bool:
        """ومصادر، ومسؤولون ...: a conjunction starting a second source phrase. A second title starts a
        second person only after a name (الوزير فلان والمتحدث باسم ...): in "نائب رئيس مجلس الوزراء
        ووزير الداخلية الأمير محمد بن نايف" both titles are one man's."""
        t = toks[j]
        if not (t.arabic and t.norm.startswith("و") and len(t.norm) > 3):
            return False
        rest = t.norm[1:]
        return (rest,) in self._anon_heads or (after_name and rest in self._titles.get("official", ()))

    def _continue_after_prep(self, toks, a, j) -> bool:
        """في/من/ب inside a source phrase: "مصدر مطلع في وزارة الدفاع", "المتحدث باسم مجلس الأمن القومي في البيت الأبيض"."""
        if j + 1 >= len(toks):
            return False
        head = self._head_kind(toks[a:j])
        if head not in ("official", "anonymous", "person"):
            return False
        if head == "anonymous" and toks[j].norm == "من" and j - a <= 2:
            return True  # عدد من السكان، مصدر من أهالي الحي
        nxt = toks[j + 1].norm
        return nxt in self._body_words or nxt in _ADMIN_WORDS or self._alias_start(toks, j + 1)

    def _alias_start(self, toks, j) -> bool:
        for length in range(min(self._max_alias, len(toks) - j), 0, -1):
            if tuple(t.norm for t in toks[j:j + length]) in self._aliases:
                return True
        return False

    def _looks_like_subject(self, toks, a, b) -> bool:
        first = toks[a]
        if not first.is_word or (first.norm in _THAT and not self._alias_start(toks, a)):
            return False
        if first.arabic:
            # a pronoun-led or verb-led clause is not a subject
            if "\u064b" in first.text or first.text.endswith("اً"):
                return False  # مستهجناً، مضيفاً: an adverbial accusative
            rest = first.norm[1:]
            if first.norm.startswith("لل") or first.norm.startswith("ل") and (
                    rest in self._all_title_words or rest in self._body_words or (rest,) in self._anon_heads
                    or rest == "اعضاء"):
                return False  # أكد لأعضاء الشرف، قال للمسؤولين: whom it was said to, not who said it
            if first.norm in {"اي", "فيه", "فيها", "له", "لها", "به", "بها", "منه", "منها", "النقاب", "اللثام", "عنه", "عنها",
                              "هو", "هي", "هم", "انه", "ان", "ما", "ذلك", "هذا", "هذه", "الي", "في", "من", "على",
                              "عن", "مع", "بعد", "قبل", "كل", "لا", "لم", "لن", "قد", "كان", "كانت", "يكون",
                              "عدم", "ضروره", "اهميه"}:  # (أكدت [عدم] تمكنه، أكد [أهمية]: what is said, never who)
                return False
        return True

    def _complement(self, toks, b, limit, verb, cue) -> tuple[bool, float]:
        """Is there reported content after the source (أن/إن/:/a quote)? and how strong the cue is."""
        n = len(toks)
        if cue.type == "refusal":
            return True, 0.15
        window = 3 if verb in ("بين", "بينت", "راي", "رات", "يري", "تري", "روي", "روت", "لفت", "لفتت") else 14
        if b < n and toks[b].norm in ("فيه", "فيها") and b == cue.end:
            b += 1  # (ألقى كلمة) أعرب فيها عن: "in it" stands before the content
        if b + 1 < n and toks[b].text in ("،", ",") and toks[b + 1].norm in ("الذي", "التي", "الذين"):
            close = next((k for k in range(b + 2, min(n, b + 16)) if toks[k].text in ("،", ",")), None)
            if close is not None:
                b, limit = close + 1, max(limit, close + 1)  # وأضاف المسؤول، الذي طلب عدم نشر اسمه، أن
        if b < n and toks[b].text in ("،", ",") and verb in _OBJECT_PREP and b + 1 < n and (
                toks[b + 1].norm in _OBJECT_PREP[verb]
                or "ب" in _OBJECT_PREP[verb] and toks[b + 1].norm.startswith("ب") and len(toks[b + 1].norm) > 3):
            return True, 0.1  # أكد فلان، وكيل الأمين، على أهمية ... / وجه الأمير فلان، أمير المنطقة، بإحداث
        if verb in ("ابدي", "ابدت") and b < n and _has_pronoun_suffix(toks[b]):
            return True, 0.1  # أبدى مدرب الفريق سعادته بـ...
        if verb in _THANKS_VERBS:
            return b < n and (toks[b].norm in _THANKS_WORDS or verb in ("شكر", "شكرت")), 0.1
        for k in range(b, min(n, b + window)):
            t = toks[k]
            if t.norm in _THAT or t.text in (":",) or t.text in _QUOTE_OPEN or t.norm in _QUOTE_VERBS:
                return True, 0.2
            if k > b and self._is_cue_start(toks, k) and k >= limit and toks[k].norm not in ("عبر", "بين"):
                break  # (عبر حسابه، بين الطرفين: prepositions, not the next cue)
        if verb in _PUBLISHING_VERBS and any(_strip_clitic(t.norm) in _REPORT_NOUNS for t in toks[b:min(n, b + 8)]):
            return True, 0.1  # نشر موقع (فوكوس) الألماني تصريحاً لـ...، نشرت الصحيفة تقريراً عن
        for k in range(b, min(n, b + 30)):
            if toks[k].norm in _SAYING:
                return True, 0.15  # وتحدث الفهد بعد انتهاء الاجتماع ... قائلا: «...»
            if toks[k].text in ".!؟?" or (k > b and self._is_cue_start(toks, k)):
                break
        if verb in _PREP_ONLY_VERBS:
            return _object_complement(toks, cue, b), 0.1  # وجه الأمير بإحداث، علق الوزير على
        if b < n and verb in _OBJECT_VERBS:
            while b + 1 < n and toks[b].norm in _TIME_LEAD and toks[b].norm not in ("في", "من", "،", ","):
                b += 1  # أشارت تقارير تركية [أمس] إلى
            t = toks[b].norm
            if t in ("عن", "من", "الي", "على", "في") or t.startswith("ب") and len(t) > 3 or t == "ل":
                return True, 0.1
            if t.startswith("ل") and len(t) > 3 and "ل" in _OBJECT_PREP.get(verb, ()):
                return True, 0.1  # وأشار المفرج لأولى مباريات الهلال
        if b >= n or (b < n and toks[b].text in ".!؟?"):
            return verb not in _AMBIGUOUS_VERBS, 0.05
        return False, 0.0

    def _np_backward(self, toks, v, cues, names=None) -> tuple[int, int] | None:
        """Subject before the verb: from the clause start to the verb, at most 8 words. With
        ``names`` (the document's named sources so far) a bare name given a role earlier counts."""
        if v == 0:
            return None
        first = toks[v]
        if first.arabic and first.norm != _strip_clitic(first.norm):
            return None  # "وقال" after a noun is a new clause, not subject-verb
        b = v
        if b > 1 and toks[b - 1].norm in ("الذي", "التي", "الذين") and _immediate_complement(toks, v + 1) \
                and not (v + 1 < len(toks) and toks[v + 1].norm in ("انه", "انها", "انهم", "انهما", "بانه", "بانها", "بانهم")):
            b -= 1  # المدرب غروس الذي أكد أن: the antecedent says it (not الاتفاق الذي تقول إنه: its object)
            if b > 1 and toks[b - 1].text in ("،", ","):
                b -= 1  # جورج براوتشلير، المدعي العام ...، الذي قال
        qad = b
        while b > 0 and toks[b - 1].norm in ("قد", "لقد"):
            b -= 1
        appositive = b > 1 and toks[b - 1].text in ("،", ",") and self._appositive_before(toks, b - 1)
        closing_comma = b > 1 and toks[b - 1].text in ("،", ",") and (b < qad or appositive)
        if closing_comma:
            b -= 1  # وكان المتحدث ...، العميد فلان، قد أعلن: the comma closing an appositive
        if names and b >= 3 and toks[b - 1].text in _QUOTE_CHARS:
            for q in range(b - 2, max(b - 6, 0) - 1, -1):
                if toks[q].text in _QUOTE_OPEN and _QUOTE_OPEN[toks[q].text] == toks[b - 1].text:
                    if (q == 0 or not toks[q - 1].is_word or toks[q - 1].norm in _THAT) \
                            and self._known_name(toks[q + 1:b - 1], names):
                        return q + 1, b - 1  # إلا أن “كولر” قال: a quoted name given a role earlier
                    break
        a = b
        bracketed = 0
        crossed = False
        while a > 0 and b - a - bracketed - crossed < (12 if crossed or closing_comma else 8):
            t = toks[a - 1]
            if t.text in ("،", ",") and closing_comma and not crossed and a < b and a > 1 and toks[a - 2].is_word \
                    and (toks[a].norm in self._titles.get("official", ()) or self._looks_like_given_name(toks[a])
                         or appositive and toks[a].norm in self._titles.get("person", ())):
                crossed = True  # المتحدث باسم القوات المسلحة، العميد محمد سمير، قد أعلن
                a -= 1
                continue
            if t.text == ")" and a - 1 > b - 8:
                q = next((q for q in range(a - 2, max(a - 8, 0), -1) if not toks[q].is_word), None)
                if q is not None and toks[q].text == "(" and q < a - 2 and toks[q - 1].is_word:
                    bracketed += a - q - 1
                    a = q  # وكان موقع شبكة (أن تي في) الألمانية قد نشر: the bracketed name
                    continue
            if appositive and not crossed and t.norm in ("على", "علي", "الي", "عن", "في", "من"):
                a -= 1  # الدكتور فلان، المشرف على المركز، شدد: prepositions inside the appositive role
                continue
            if not t.is_word or t.norm in _THAT or t.norm in self._stop_ar and t.norm not in ("ما",):
                break
            if self._is_cue_start(toks, a - 1):
                break
            a -= 1
        while a < b and (toks[a].norm in _KANA or not toks[a].is_word):
            a += 1
        if a < b and v + 1 < len(toks) and toks[v + 1].norm in ("فيه", "فيها") and (
                _accusative(toks[b - 1]) and toks[b - 1].norm.removesuffix("ا") in self._titles.get("document", ())
                or toks[b - 1].norm in _SPEECH_NOUNS):
            return self._np_backward(toks, b - 1, cues)  # أصدرت الإدارة بياناً أكدت فيه، ألقى الوزير كلمة أعرب فيها
        if a >= b or _accusative(toks[b - 1]):
            return None  # the word before the verb is its object, not its subject
        for start in range(a, b):  # ودشن وزير الثقافة ... يقول: drop the leading verb
            if any(_accusative(t) for t in toks[start:b]) or not toks[start].is_word:
                continue  # غرفة العمليات تلقت بلاغاً من شخص يفيد: the phrase would cross an object
            if self._head_kind(toks[start:b]) is not None or self._has_alias(toks[start:b], at_start=True) \
                    or (crossed and self._name_then_title(toks[start:b])):
                return start, b  # (لكن دوج براون، مدير الأبحاث، يقول: the name and its appositive role)
        for start in range(a, b):
            if self._name_then_title(toks[start:b]):
                return start, b
        if names and self._known_name(toks[a:b], names) and len(toks[a].norm) > 2 and len(toks[b - 1].norm) > 2 \
                and not any(t.norm in self._stop_ar for t in toks[a:b]):
            return a, b  # وأوضح الوزير فلان ... ثم إن فلان أكد: the surname given a role earlier
        return None

    def _appositive_before(self, toks, c) -> bool:
        """Does the comma at ``c`` close an appositive role opened by an earlier comma after a word
        (فلان، مدير الأبحاث في الجمعية، يقول)?"""
        for k in range(c - 2, max(c - 14, 0), -1):
            if toks[k].text in ("،", ","):
                nxt = toks[k + 1]
                return toks[k - 1].is_word and (nxt.norm in self._titles.get("official", ())
                                                or nxt.norm in self._titles.get("person", ()))
            if not toks[k].is_word:
                return False
        return False

    def _name_then_title(self, seg) -> bool:
        """راشد الغنوشي رئيس حركة النهضة: a name followed by a role."""
        lead = self._lead_name(seg)
        words = _drop_honorifics([t for t in seg if t.is_word])
        return bool(lead) and len(words) > len(lead) and (
            words[len(lead)].norm in self._titles.get("official", ()) or words[len(lead)].norm in self._titles.get("person", ()))

    # Latin -----------------------------------------------------------------------------
    def _sources_latin(self, toks, cue, next_cue):
        n = len(toks)
        if cue.type == "prep":
            np = self._np_latin_forward(toks, cue.end, next_cue)
            if np:
                yield np, cue.text, "fwd", 0.25
            return
        # verb: subject before ("Peskov said", "M. Peskov a déclaré"), or after an inverted verb
        back = self._np_latin_backward(toks, cue.start)
        if back:
            yield back, cue.text, "back", 0.2
            if cue.text.lower() == "told" and cue.end < n and toks[cue.end].text[:1].isupper():
                np = self._np_latin_forward(toks, cue.end, next_cue)
                if np:  # told Reuters: the outlet a statement was given to
                    yield np, cue.text + " ل", "fwd", 0.1
            return
        if cue.start > 0 and toks[cue.start - 1].text in (",", "”", '"', "»"):
            np = self._np_latin_forward(toks, cue.end, next_cue)
            if np and toks[np[0]].text[:1].isupper() or np and toks[np[0]].norm in _LATIN_DET:
                yield np, cue.text, "fwd", 0.15

    def _np_latin_forward(self, toks, i, limit):
        n = len(toks)
        a = i
        j = a
        while j < n and j - a < self.settings.max_source_tokens:
            t = toks[j]
            if not t.is_word:
                if t.text == "." and j > a and toks[j - 1].norm in _LATIN_PERSON_PREFIX:
                    j += 1
                    continue
                break
            if t.arabic:
                break
            if j > a and (t.norm in self._stop_latin or (self._is_cue_start(toks, j) and j >= limit)):
                break
            j += 1
        return (a, j) if j > a else None

    def _np_latin_backward(self, toks, v):
        b = v
        a = b
        while a > 0 and b - a < 8:
            t = toks[a - 1]
            if not t.is_word:
                if t.text == "." and a - 2 >= 0 and toks[a - 2].norm in _LATIN_PERSON_PREFIX:
                    a -= 1
                    continue
                if t.text == "," and a - 2 >= 0 and toks[a - 2].is_word and not toks[a - 2].arabic and b - a < 7:
                    a -= 1  # Le porte-parole du Kremlin, Dmitri Peskov, a déclaré
                    continue
                break
            if t.arabic:
                break
            cap = t.text[:1].isupper()
            if not cap and t.norm not in _LATIN_CONNECT and (t.norm,) not in self._anon_heads \
                    and t.norm not in self._all_title_words:
                break
            a -= 1
        while a < b and (toks[a].norm in ("and", "et", "but", "mais") or not toks[a].is_word):
            a += 1
        while b > a and not toks[b - 1].is_word:
            b -= 1
        if a >= b:
            return None
        if b - a == 1 and toks[a].norm in _LATIN_DET | {"he", "she", "they", "il", "elle", "it", "we", "i"}:
            return None
        return a, b

    # Classification ---------------------------------------------------------------------
    def _has_alias(self, seg, at_start: bool = False) -> tuple[str, str] | None:
        norms = [t.norm for t in seg if t.is_word]
        while at_start and len(norms) > 1 and (norms[0] in _LATIN_DET or norms[0] in _LATIN_PERSON_PREFIX):
            norms = norms[1:]  # the White House, M. Peskov
        if at_start and norms and norms[0].startswith(("l'", "d'")) and (norms[0],) not in self._aliases:
            norms = [norms[0][2:]] + norms[1:]
        best = None
        for i in range(1 if at_start else len(norms)):
            for length in range(min(self._max_alias, len(norms) - i), 0, -1):
                hit = self._aliases.get(tuple(norms[i:i + length]))
                if hit is None and length == 1 and len(norms[i]) > 3 and norms[i][0] in "لبو":
                    hit = self._aliases.get((norms[i][1:],))
                if hit and (best is None or length > best[0]):
                    best = (length, hit)
                    break
        return best[1] if best else None

    def _is_whole_alias(self, seg) -> bool:
        """The phrase is nothing but a known institution or agency (الكرملين، البيت الأبيض، رويترز)."""
        hit = self._aliases.get(tuple(t.norm for t in seg if t.is_word))
        return bool(hit) and hit[1] in ("government", "organisation", "news_agency", "media")

    def _head_kind(self, seg) -> str | None:
        words = [t for t in seg if t.is_word]
        if not words:
            return None
        norms = [t.norm for t in words]
        while len(norms) > 1 and (norms[0] in ("ذات", "نفس", "تلك", "هذه", "هذا") or norms[0] in _NUMBER_WORDS
                                  or norms[0].isdigit()):
            norms = norms[1:]  # ذات المصادر: the same sources; أربعة مصادر
        if norms[0].startswith(("l'", "d'")) and len(norms[0]) > 2:
            norms = [norms[0][2:]] + norms[1:]  # l'agence, l'Élysée
        first = norms[0]
        if first in _LATIN_DET and len(norms) > 1:
            norms = norms[1:]
            first = norms[0]
        if len(norms) > 1 and norms[0] in _VAGUE_QUANTIFIERS and norms[1] in self._titles.get("document", ()):
            return "document"  # بعض الأبحاث، عدد من التقارير: documents, however many
        if len(norms) > 1 and norms[0] == "صاحب" and norms[1] not in _HONORIFIC_OBJECTS:
            # صاحب البضاعة المواطن فلان، صاحب قصر: an owner speaks as a private person (صاحب السمو is a title)
            return "person"
        for length in (3, 2, 1):
            if tuple(norms[:length]) in self._anon_heads and len(norms) >= length:
                return "anonymous"
        if not words[0].arabic and len(norms) > 1:
            caps = [t for t in words[1:] if t.text[:1].isupper() and t.norm not in ("us", "u.s")]
            last = norms[-1]
            if (last,) in self._anon_heads and not caps:
                return "anonymous"  # a senior US official
        for kind in ("agency", "media", "document", "official", "person", "government", "organisation"):
            if first in self._titles.get(kind, ()):
                return kind
            if any(tuple(norms[:len(p)]) == p for p in self._title_phrases.get(kind, ())):
                return kind
        return None

    def _classify(self, seg, surface, ents, names, last_agency, cue, last_official=()) -> tuple[str, str, float]:
        """(kind, canonical, confidence bonus) of a source phrase."""
        norms = [t.norm for t in seg if t.is_word]
        if len(norms) == 1 and norms[0] in _HONORIFIC_PRONOUNS:
            return "official", last_official[-1] if last_official else norms[0], 0.05  # وأكد سموه أن
        if len(norms) > 2 and norms[0] in _IN_CHARGE and norms[1] in ("على", "علي"):
            body = self._head_kind([t for t in seg if t.is_word][2:])  # القائمون على الشركة: they speak for it
            return (body if body in ("organisation", "government", "media") else "anonymous"), " ".join(norms), 0.1
        head = self._head_kind(seg)
        alias = self._has_alias(seg)
        name = self._name_tokens(seg)
        name_key = " ".join(name) if name else None
        normalised = " ".join(norms)
        if head == "anonymous":
            real_name = name and len(name) >= 2 and not any(
                x in self._anon_qual or x.startswith(("و", "ب", "ل")) or x.endswith("ي") and len(name) == 2
                or (x,) in self._anon_heads for x in name) and not self._name_after_preposition(seg, name)
            if norms[0] in ("تقارير", "التقارير") and len(norms) > 1 and not norms[1].startswith("ال") \
                    and not norms[1].endswith(("ي", "يه", "يين", "يون")) and norms[1] not in self._anon_qual \
                    and not norms[1].startswith("ل") and norms[1] not in ("وسائل", "وكاله", "وكالات", "صحف", "مواقع") \
                    and norms[1] not in self._titles.get("media", ()) \
                    and not (norms[1].endswith("ه") and not (len(norms) > 2 and norms[2].startswith("ال"))):
                # (تقارير غريبة، تقارير صادرة: an adjective, still unnamed; تقارير وزارة السياحة: named)
                return "document", normalised, 0.1  # تقارير حكم المباراة: the reports of a named author
            lead_norm = next((w for w in norms if w not in _NUMBER_WORDS and not w.isdigit()), norms[0])
            if real_name and lead_norm not in ("مصدر", "مصادر", "المصدر", "المصادر", "تقارير", "التقارير", "انباء",
                                              "معلومات", "بعض", "عدد", "احد", "ذات", "نفس", "sources", "source"):
                return "official", self._person_canonical(seg, name, alias), 0.1
            return "anonymous", normalised, 0.15
        if head == "agency":
            if alias and alias[1] == "news_agency":
                return "news_agency", alias[0], 0.25
            if len(norms) == 1 or any(w in ("انباء", "الانباء", "للانباء", "الاعلام", "للاعلام", "news", "presse", "press")
                                      for w in norms):  # (وكالة الإعلام الروسية، الوكالة الوطنية للإعلام)
                canonical = last_agency[-1] if len(norms) == 1 and last_agency else normalised
                return "news_agency", canonical, 0.1
            if any(w in _STATE_ADJECTIVES for w in norms):
                return "government", alias[0] if alias else normalised, 0.05  # وكالة إدارة الطوارئ الوطنية النيجيرية
            return "organisation", alias[0] if alias else normalised, 0.05
        if head == "media":
            return "media", alias[0] if alias and alias[1] == "media" else normalised, 0.15 + (0.1 if alias else 0)
        if head == "document":
            return "document", normalised, 0.1
        if head == "official":
            if self._unnamed_official(seg) and not alias:
                return "anonymous", normalised, 0.1  # قائد عسكري يمني موال لـ...: an unnamed official, like مسؤول
            return "official", self._person_canonical(seg, name, alias), 0.15
        if head == "person":
            if norms[0] in _RELATIVES:
                return "person", normalised, 0.1  # a relative speaks as a private person
            if len(norms) <= 3 and norms[0] in self._titles.get("person", ()) and not norms[0].startswith("ال") \
                    and not alias and all(w.endswith(("ي", "يه", "يون", "يين")) and not w.startswith("ال") for w in norms[1:]):
                return "anonymous", normalised, 0.1  # وقال باحث اجتماعي: an unnamed expert, like مسؤول
            if any(t.norm in self._titles.get("official", ()) for t in seg[1:]):
                return "official", self._person_canonical(seg, name or self._lead_name(seg[1:]), alias), 0.1
            remembered = self._remembered(name, names)
            if remembered and remembered[0] == "official":
                return "official", remembered[1], 0.1
            return "person", self._person_canonical(seg, name, alias), 0.1
        if head in ("government", "organisation"):
            if alias and alias[1] in ("government", "organisation") and len(seg) <= 3:
                return alias[1], alias[0], 0.2
            if head == "government" and norms[0] in ("اداره", "الاداره") and len(norms) > 1 \
                    and norms[1] in self._titles.get("organisation", ()):
                return "organisation", normalised, 0.1  # إدارة نادي الشباب: the club's own management
            if head == "government" and norms[0] in ("الامانه", "امانه") and any(
                    w in ("منظمه", "المنظمه", "لمنظمه") for w in norms[1:3]):
                return "organisation", normalised, 0.1  # الأمانة العامة لمنظمة التعاون الإسلامي
            return head, normalised, 0.1
        start_alias = self._has_alias(seg, at_start=True)
        if start_alias:
            return start_alias[1], start_alias[0], 0.25
        if alias and alias[1] in ("official", "person") and name:
            return alias[1], alias[0], 0.2
        lead = self._lead_name(seg)
        if lead and cue.type != "prep":
            words = _drop_honorifics([t for t in seg if t.is_word])
            after = words[len(lead)].norm if len(words) > len(lead) else None
            for kind in ("official", "person"):
                if after in self._titles.get(kind, ()):  # رأفت الصباغ المتحدث الرسمي للمركز
                    return kind, self._person_canonical(seg, lead, alias), 0.1
        remembered = self._remembered(name, names)
        if remembered:
            return remembered[0], remembered[1], 0.1
        if name_key and name_key in names:
            kind, canonical = names[name_key]
            return kind, canonical, 0.1
        if name and len(name) == 1:
            for key, (kind, canonical) in names.items():
                parts = key.split()
                if parts[-1] == name[0] or parts[0] == name[0]:
                    return kind, canonical, 0.05
        if len(norms) == 1 and not name:  # "فالون" (read as ف + الون by the name test): the surname of مايكل فالون
            for key, (kind, canonical) in names.items():
                parts = key.split()
                if len(parts) > 1 and parts[-1] == norms[0] and kind in ("official", "person"):
                    return kind, canonical, 0.05
        for e in ents:
            if e.start < seg[-1].end and seg[0].start < e.end:
                if e.type == "PER":
                    if self.settings.untitled_names == "drop":
                        return _UNTITLED, normalised, 0.0
                    return "person", e.canonical or normalised, 0.05
                if e.type == "ORG":
                    return "organisation", e.canonical or normalised, 0.05
        if len(norms) <= 2 and norms[0].startswith("ال") and seg[0].text.endswith(("ون", "اء")):
            return "anonymous", normalised, 0.0  # الباحثون، المتناقلون، العلماء: unnamed people
        if name and len(norms) <= 4 and not (len(norms) == 1 and norms[0].startswith("ال")) and not any(
                w.endswith(("كم", "هم", "هما", "كن", "هن", "نا")) and len(w) > 4 for w in norms):
            if self.settings.untitled_names == "drop":
                return _UNTITLED, normalised, 0.0
            return "person", normalised, -0.05
        return "unknown", normalised, -0.2

    def _name_after_preposition(self, seg, name) -> bool:
        """مسؤول مطلع في مكتب الرئيس عبد ربه منصور هادي: the name is the office's, not the speaker's."""
        words = [t.norm for t in seg if t.is_word]
        first = next((i for i, w in enumerate(words) if w == name[0]), None)
        return first is not None and any(w in ("في", "ب", "من", "لدي") for w in words[:first])

    def _remembered(self, name, names):
        if not name:
            return None
        key = " ".join(name)
        if key in names:
            return names[key]
        if len(name) == 1:
            for k, v in names.items():
                parts = k.split()
                if len(parts) > 1 and (parts[-1] == name[0] or parts[0] == name[0]):
                    return v
        for k, v in names.items():
            if k.startswith(key + " ") or k.endswith(" " + key):
                return v
        return None

    def _person_canonical(self, seg, name, alias) -> str:
        if alias and alias[1] in ("official", "person"):
            return alias[0]
        if name:
            hit = self._aliases.get(tuple(name))
            return hit[0] if hit else " ".join(name)
        return " ".join(t.norm for t in seg if t.is_word)

    def _name_tokens(self, seg) -> list[str]:
        """The personal name of a phrase: المتحدث باسم الكرملين دميتري بيسكوف -> دميتري بيسكوف;
        رأفت الصباغ المتحدث الرسمي للمركز -> رأفت الصباغ; الشيخ طلال الفهد -> طلال الفهد."""
        words = [t for t in seg if t.is_word]
        out = self._trailing_name(words)
        if out:
            return out
        if len(words) == 1 and words[0].arabic and words[0].norm.startswith("ال") \
                and words[0].norm not in self._all_title_words and words[0].norm not in self._body_words:
            return [words[0].norm]  # a bare family name: وشدد الصباغ
        return []

    def _lead_name(self, seg) -> list[str]:
        words = _drop_honorifics([t for t in seg if t.is_word])  # د. طارق بن محمد عناية نائب الرئيس
        lead: list[str] = []
        for i, t in enumerate(words):
            nm = t.norm
            if not t.arabic or nm in self._all_title_words or nm in self._body_words \
                    or nm in self._stop_ar or (nm.startswith("ال") and not lead):
                break
            lead.append(nm)
            if nm.startswith("ال") and nm != "ال" \
                    and not (len(lead) >= 2 and lead[-2] in ("عبد", "ابو", "بن", "ابن", "ال")):
                break  # (آل, the family prefix of ابراهيم آل مرعي, goes on)
        longest = 5 if {"بن", "ابن", "عبد"} & set(lead) and lead[-1].startswith("ال") else 4  # بندر بن عبد الرحمن المهنا
        return lead if lead and len(lead) < len(words) and len(lead) <= longest else []

    def _looks_like_given_name(self, t: _Tok) -> bool:
        nm = t.norm
        if nm[:1] in "بل" and (nm[1:] in _ADMIN_WORDS or nm[1:] in self._body_words or nm[1:] in self._all_title_words):
            return False  # بمحافظة، لوزارة
        return (t.arabic and not nm.startswith(("ال", "لل", "بال")) and len(nm) > 2
                and nm not in ("من", "في", "عن", "مع", "الي", "على", "ثم", "او", "كل")
                and nm not in self._all_title_words and nm not in self._body_words and nm not in self._stop_ar
                and nm not in self._anon_qual and len(nm) > 1 and nm != "باسم"
                and not t.text.endswith(("ية", "يين", "يون", "يات")))

    def _trailing_name(self, seg) -> list[str]:
        out: list[str] = []
        seg = list(seg)
        if len(seg) >= 2 and seg[-1].norm.startswith("ال") and seg[-1].arabic \
                and not seg[-1].text.endswith(("ية", "يين", "يون", "يات")) \
                and seg[-1].norm not in self._all_title_words and seg[-1].norm not in self._body_words \
                and self._looks_like_given_name(seg[-2]):
            out.append(seg[-1].norm)  # a family name: طلال الفهد، منصور بن محمد الدوسري
            seg = seg[:-1]
        elif len(seg) >= 2 and seg[-1].norm.startswith("ال") and seg[-1].arabic \
                and seg[-2].norm in _HONORIFICS and seg[-1].norm not in self._all_title_words \
                and seg[-1].norm not in self._body_words and not seg[-1].text.endswith(("ية", "يين", "يون", "يات")):
            return [seg[-1].norm]  # الدكتور الزياني، العقيد الدوسري
        for t in reversed(seg):
            if not t.is_word:
                if t.text == "." and out:
                    continue
                break
            nm = t.norm
            if nm in _NAME_CONNECT or nm.startswith("عبد"):
                out.append(nm)
                continue
            arabic = t.arabic
            if arabic and (nm.startswith("ال") or nm.startswith("لل") or nm in self._all_title_words
                           or nm in self._anon_qual or nm == "باسم" or nm in self._stop_ar or len(nm) < 2):
                break
            if not arabic and (not t.text[:1].isupper() or nm in self._all_title_words):
                break
            if (nm,) in self._aliases and self._aliases[(nm,)][1] not in ("official", "person"):
                break
            if arabic and nm.startswith(("وال", "فال", "بال", "لل", "كال")):
                break
            if arabic and t.text.endswith(("ية", "يين", "يون", "يات")) and len(nm) > 4:
                break  # a nisba adjective (أمريكيين، الروسية), not a name
            out.append(nm)
        out.reverse()
        while out and out[0] in _NAME_CONNECT:
            out.pop(0)
        return out

    def _name_memory(self, toks) -> dict[str, tuple[str, str]]:
        """Names seen after a title anywhere in the text (الزعيم الكوري الشمالي كيم جونغ أون -> official)."""
        memory: dict[str, tuple[str, str]] = {}
        official = self._titles.get("official", set())
        person = self._titles.get("person", set())
        for i, t in enumerate(toks):
            nm = _strip_clitic(t.norm) if t.arabic else t.norm
            if t.arabic and nm.startswith("لل") and len(nm) > 4:
                nm = _after_l(nm)  # للروائي السعودي عبده خال: the role after the preposition
            # an organisation named after its head noun: شركة موبايلي، نادي أياكس الهولندي، صحيفة «أو غلوبو»
            if nm in self._org_heads or t.norm in self._org_heads:
                kind = self._org_heads.get(nm) or self._org_heads[t.norm]
                j = i + 1
                quoted = j < len(toks) and toks[j].text in _QUOTE_OPEN
                if quoted:
                    j += 1
                k = j
                while k < len(toks) and k < j + (3 if quoted else 1) and toks[k].is_word and toks[k].arabic \
                        and not toks[k].norm.startswith(("ال", "لل", "بال")) and toks[k].norm not in self._stop_ar \
                        and toks[k].norm not in self._all_title_words and toks[k].norm not in _ADMIN_WORDS \
                        and not self._is_cue_start(toks, k) and not toks[k].text.endswith(("ية", "يين", "يون", "يات")) \
                        and toks[k].norm not in ("في", "من", "عن", "مع", "على", "الي", "او"):
                    k += 1
                if k > j:
                    key = " ".join(x.norm for x in toks[j:k])
                    memory.setdefault(key, (kind, key))
            kind = "official" if (nm in official or t.norm in official) else "person" if (nm in person or t.norm in person) else None
            if kind is None or (nm == "صاحب" and i + 1 < len(toks) and toks[i + 1].norm not in _HONORIFIC_OBJECTS):
                continue  # صاحب البضاعة: an owner; صاحب السمو: a title
            j = i + 1
            # skip the role's complements (الكوري الشمالي، باسم الكرملين، منطقة الرياض)
            while j < len(toks) and j < i + 10 and toks[j].is_word and (
                    toks[j].norm.startswith(("ال", "لل", "بال", "وال")) or toks[j].norm in ("باسم", "منطقه", "عام")
                    or toks[j].norm == "في" and j + 1 < len(toks) and toks[j + 1].norm.startswith("ال")
                    or toks[j].norm in official or toks[j].norm in self._body_words
                    or toks[j].norm[:1] in "لب" and toks[j].norm[1:] in self._body_words):
                j += 1
            if j + 1 < len(toks) and toks[j].norm in _ABBREVIATED_HONORIFICS and toks[j + 1].text == ".":
                j += 2  # السفير د. فيصل السديري
            k = j
            while k < len(toks) and k < j + 5 and toks[k].is_word and not toks[k].norm.startswith(("ال", "ل")) \
                    and toks[k].norm not in self._stop_ar and toks[k].norm not in self._all_title_words \
                    and not self._is_cue_start(toks, k) and toks[k].arabic and toks[k].norm != "في":
                k += 1
            for _ in range(2):
                if k > j and k < len(toks) and toks[k].is_word and toks[k].norm.startswith("ال") \
                        and toks[k].arabic and not toks[k].text.endswith(("ية", "يين", "يون", "يات")) \
                        and toks[k].norm not in self._all_title_words and toks[k].norm not in self._body_words:
                    k += 1  # the family name: عادل الجبير، تركي بن عبد الله الشليل
            if k > j:
                name = [x.norm for x in toks[j:k]]
                canonical = " ".join(name)
                hit = self._aliases.get(tuple(name))
                if hit:
                    canonical = hit[0]
                _remember(memory, " ".join(name), kind, canonical)
            # a name right before the title: جريج دايك رئيس الاتحاد، بلاتيني، رئيس الاتحاد الأوروبي
            b = i
            if b > 0 and toks[b - 1].text in ("،", ","):
                b -= 1
            a = b
            while a > 0 and b - a < 4:
                prev = toks[a - 1]
                if self._looks_like_given_name(prev) and not self._is_cue_start(toks, a - 1) \
                        and prev.norm not in _NAME_CONNECT | {"قال", "ان"}:
                    a -= 1
                elif a == b and prev.is_word and prev.arabic and prev.norm.startswith("ال") and a - 2 >= 0 \
                        and self._looks_like_given_name(toks[a - 2]) and prev.norm not in self._all_title_words \
                        and prev.norm not in self._body_words and not prev.text.endswith(("ية", "يين", "يون", "يات")):
                    a -= 1  # the family name of "عادل الجبير وزير الخارجية"
                elif a < b and prev.norm in _NAME_CONNECT:
                    a -= 1
                else:
                    break
            if a < b and toks[a].norm not in _NAME_CONNECT:
                name = [x.norm for x in toks[a:b]]
                hit = self._aliases.get(tuple(name))
                _remember(memory, " ".join(name), kind, hit[0] if hit else " ".join(name))
        for key, (canonical, kind) in self._aliases.items():
            if kind in ("official", "person"):
                memory.setdefault(" ".join(key), (kind, canonical))
        return memory

    def _entity_memory(self, text, sentences, entities, memory) -> None:
        """Entity evidence for bare names: a PER entity with a role just before it (أعرب مدير عام كرة
        القدم بنادي الهلال فهد المفرج) is an official or a person; an ORG entity is an organisation."""
        official = self._titles.get("official", set())
        person = self._titles.get("person", set())
        by_index = {s.sentence_index: s for s in sentences}
        votes: dict[str, int] = {}
        for e in entities:
            k = " ".join(_norm(m.group(0)) for m in _TOKEN_RE.finditer(e.text))
            votes[k] = votes.get(k, 0) + (1 if e.type == "ORG" else -1 if e.type == "PER" else 0)
        per_parts = {p for e in entities if e.type == "PER" for p in
                     (_norm(m.group(0)) for m in _TOKEN_RE.finditer(e.text))}
        for e in entities:
            words = [m.group(0) for m in _TOKEN_RE.finditer(e.text)]
            key = " ".join(_norm(w) for w in words if w.isalnum() or any(c.isalpha() for c in w))
            if not key:
                continue
            if e.type == "ORG":
                if votes.get(key, 0) <= 0 or key in per_parts:
                    continue  # روميرو tagged PER elsewhere in the text
                toks = tokenise(text, e.start, e.end)
                head = self._head_kind(toks)
                kind = head if head in ("government", "organisation", "media") else "organisation"
                if head in ("agency",) or self._has_alias(toks):
                    continue
                memory.setdefault(key, (kind, e.canonical or key))
                continue
            if e.type != "PER":
                continue
            sent = by_index.get(e.sentence_index)
            start = sent.start if sent is not None and sent.start <= e.start else max(0, e.start - 150)
            before = tokenise(text, max(start, e.start - 150), e.start)
            kind = None
            commas = 0
            for t in list(reversed(before))[:10]:
                if not t.is_word:
                    pos = before.index(t)
                    if t.text == "." and pos > 0 and before[pos - 1].norm in _ABBREVIATED_HONORIFICS:
                        continue  # السفير د. فيصل السديري
                    if t.text in ("،", ","):
                        commas += 1
                        if commas > 1:
                            break
                        continue
                    if t.text in _QUOTE_CHARS or t.text == "/":
                        continue
                    break
                nm = t.norm
                forms = {nm, _strip_clitic(nm)}
                if nm[:1] in "بل" and len(nm) > 3:
                    forms.add(nm[1:])
                owner = "صاحب" in forms and before.index(t) + 1 < len(before) \
                    and before[before.index(t) + 1].norm not in _HONORIFIC_OBJECTS  # صاحب البضاعة: an owner
                if forms & official and not owner:
                    kind = "official"
                    break
                if forms & person and kind is None and not forms & _HONORIFICS:
                    kind = "person"
                if self._is_cue_start(before, before.index(t)) and t.norm not in self._all_title_words:
                    break
            if kind:
                _remember(memory, key, kind, e.canonical or key)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

_QUICK_FOLD = str.maketrans({**{c: "ا" for c in "أإآٱ"}, "ة": "ه", "ى": "ي", "ک": "ك", "ی": "ي",
                             **{chr(c): None for c in range(0x064B, 0x0660)}, "\u0670": None})
_QUICK_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def _quick_words(chunk: str) -> list[str]:
    """The words of a sentence, roughly normalised like ``_norm``: a cheap pre-filter so that
    sentences without any cue word are never tokenised."""
    return _QUICK_WORD_RE.findall(chunk.translate(_QUICK_FOLD).casefold())


def _any_word(words: list[str], keys: frozenset[str]) -> bool:
    for w in words:
        if w in keys or (len(w) > 2 and w[0] in "وفلب" and w[1:] in keys):
            return True
    return False


def _alias_regex(alias: str) -> str:
    parts = [re.escape(p) for p in alias.split()]
    body = r"\s*".join(parts) if all(len(p) <= 2 for p in alias.split()) else r"\s+".join(parts)
    return rf"(?<!\w){body}(?!\w)"


def with_display_forms(rows: list[SourceMention]) -> list[SourceMention]:
    """``canonical`` as a reader expects it, ``canonical_key`` as the normalised form for joins.

    The rules build many canonicals from normalised tokens (``الصحيفه``); such a canonical is shown
    in the spelling of the row's own words that it was made of (``الصحيفة``), and every row of the
    document with one key shows the same form (the first found, in row order). Lexicon names (AFP,
    وكالة الأنباء السعودية) and names already in a display form stay as they are. Per document, so it
    costs one pass over the rows and no state across documents."""
    from dataclasses import replace

    keyed = [(r, " ".join(_norm_key(r.canonical))) for r in rows]
    shown: dict[str, str] = {}
    for r, key in keyed:
        if r.canonical != key:
            shown.setdefault(key, r.canonical)
            continue
        surface = _surface_of(key, r.text)
        if surface is not None and surface != key:
            shown.setdefault(key, surface)
    return [replace(r, canonical=shown.get(key, r.canonical), canonical_key=key) for r, key in keyed]


def _surface_of(key: str, text: str) -> str | None:
    """The words of ``text`` whose normalised tokens are ``key``, without diacritics, or None."""
    wanted = key.split()
    toks = [(m.start(), m.end(), _norm(m.group(0))) for m in _TOKEN_RE.finditer(text)]
    for i in range(len(toks) - len(wanted) + 1):
        if [t[2] for t in toks[i:i + len(wanted)]] == wanted:
            return dediac_ar(text[toks[i][0]:toks[i + len(wanted) - 1][1]]).replace("\u0640", "")
    return None


def _norm_key(surface: str) -> tuple[str, ...]:
    toks = tuple(_norm(m.group(0)) for m in _TOKEN_RE.finditer(surface))
    return toks


_SPEECH_EVENTS = {"مقابله", "تصريح", "تصريحات", "حديث", "بيان", "كلمه", "مؤتمر", "لقاء", "تغريده", "اتصال", "حوار",
                  "رساله", "خطاب", "تسجيل"}
_WHEN = {"امس", "اليوم", "الاحد", "الاثنين", "الثلاثاء", "الاربعاء", "الخميس", "الجمعه", "السبت", "مساء", "صباح",
         "يوم", "ظهر", "عصر", "ليل", "الليله"}


def _drop_honorifics(words: list) -> list:
    while len(words) > 2 and words[0].norm in _HONORIFICS:
        words = words[1:]
    return words


def _remember(memory: dict, key: str, kind: str, canonical: str) -> None:
    """An official title beats a person title for the same name."""
    if key not in memory or (kind == "official" and memory[key][0] != "official"):
        memory[key] = (kind, canonical)


def _unbalanced_before(span: str, nxt: str) -> bool:
    """Does ``span`` open a quotation that the character ``nxt`` closes?"""
    opener = next((o for o, c in _QUOTE_OPEN.items() if c == nxt and o in span), None)
    if opener is None:
        return False
    if opener == nxt:  # "..." : the same character opens and closes
        return span.count(nxt) % 2 == 1
    return span.count(opener) > span.count(nxt)


def _has_pronoun_suffix(tok) -> bool:
    """سعادته، اعتزازها، تذمرهم: a noun with an attached pronoun (a verb's object, never a source name).
    A word with the article cannot carry one (الفقيه is a name), nor can الله."""
    return tok.arabic and tok.is_word and len(tok.text) > 3 and tok.text.endswith(("ه", "ها", "هم", "هما")) \
        and not tok.text.endswith(("الله", "اللّه")) and not tok.norm.startswith(("ال", "وال", "بال", "لل"))


def _accusative(tok) -> bool:
    """A word marked indefinite accusative (بياناً، تقريراً): an object or adverb, not a source's word."""
    return "\u064b" in tok.text


def _immediate_complement(toks, b) -> bool:
    """أن/إن/: or a quotation right after the phrase (one comma, time words and "في مقابلة ..." allowed)."""
    n = len(toks)
    k = b
    for _ in range(3):
        if k < n and (toks[k].text in ("،", ",") or toks[k].norm in _WHEN):
            k += 1
    if k + 1 < n and toks[k].norm == "في" and toks[k + 1].norm in _SPEECH_EVENTS:
        k += 2
        while k < n and k < b + 9 and toks[k].is_word and toks[k].norm not in _THAT:
            k += 1
    if k < n and toks[k].text in ("،", ","):
        k += 1
    return k < n and (toks[k].norm in _THAT or toks[k].text == ":" or toks[k].text in _QUOTE_OPEN)


def _object_complement(toks, cue, b) -> bool:
    """أعرب الغفيص عن ...، أشاد الوزير بالجهود: an object verb with its preposition right after."""
    verb = toks[cue.start].norm
    verb = verb if verb in _OBJECT_PREP else _strip_clitic(verb)
    preps = _OBJECT_PREP.get(verb)
    if not preps or b >= len(toks):
        return False
    nxt = toks[b].norm
    return nxt in preps or any(p in preps and nxt.startswith(p) and len(nxt) > 3 for p in ("ب", "ل"))


def _sentence_at(sentences: Sequence[Sentence], pos: int) -> int:
    for s in sentences:
        if s.start <= pos < s.end:
            return s.sentence_index
    return -1


_QUOTE_OPEN_RE = re.compile("[" + re.escape("".join(_QUOTE_OPEN)) + "]")


def _quote_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(open, close) character positions of quotations inside [start, end)."""
    spans = []
    i = start
    while True:
        m = _QUOTE_OPEN_RE.search(text, i, end)
        if m is None:
            return spans
        o = m.start()
        j = text.find(_QUOTE_OPEN[text[o]], o + 1, end)
        if j == -1:
            i = o + 1
            continue
        spans.append((o, j))
        i = j + 1


def _colon_speech(text, toks, a, b, cue, sent_end):
    """Direct speech without quotation marks: a colon right after the source and its cue, or after a
    few words naming whom it was said to or where (وقال الوزير: نحن ...، قالت في بيان: إن ...), or
    after the source's own participle (وأفصحت الزامل عن خططها، قائلة: ...), opens the speech, which
    runs to ``sent_end`` (the end of the sentence or of the reporting clause)."""
    words = 0
    after = toks[max(b, cue.end):]
    for k, tok in enumerate(after):
        if tok.start >= sent_end:
            return None  # no colon before the speech would have to end
        if tok.text == ":":
            if words > _COLON_SPEECH_GAP and not (k and after[k - 1].norm in _PARTICIPLE_CUES):
                return None
            start, end = tok.end, sent_end
            while start < end and text[start].isspace():
                start += 1
            while end > start and (text[end - 1].isspace() or text[end - 1] in ".،,"):
                end -= 1
            speech = text[start:end]
            return (start, end, speech) if len(speech.split()) >= 3 and not _QUOTE_OPEN_RE.match(speech) else None
        if tok.is_word:
            words += 1
            if words > _PARTICIPLE_SPEECH_GAP:
                return None
    return None


def _pick_quote(text, toks, quotes, a, b, cue, next_cue):
    """The quotation attributed to the source at tokens [a, b): after it (within a few words) or
    just before the cue («...»، قال فلان)."""
    src_end = toks[b - 1].end
    limit = toks[next_cue].start if next_cue < len(toks) else len(text)
    cue_start = toks[cue.start].start
    for qs, qe in quotes:
        inner = text[qs + 1:qe].strip()
        if len(inner.split()) < 3:
            continue  # a quoted name («عكاظ»), not a quotation
        if src_end <= qs < limit:
            between = [t for t in toks if src_end <= t.start < qs and t.is_word]
            if len(between) <= 8:
                s = qs + 1 + (len(text[qs + 1:qe]) - len(text[qs + 1:qe].lstrip()))
                e = qe - (len(text[qs + 1:qe]) - len(text[qs + 1:qe].rstrip()))
                return s, e, text[s:e]
        if qe < cue_start and not text[qe + 1:cue_start].strip(" ،,.-–") and not any(
                t.is_word for t in toks if qe < t.start < cue_start):
            s = qs + 1 + (len(text[qs + 1:qe]) - len(text[qs + 1:qe].lstrip()))
            e = qe - (len(text[qs + 1:qe]) - len(text[qs + 1:qe].rstrip()))
            return s, e, text[s:e]
    return None


def sentences_for(doc_id: str, text: str) -> list[Sentence]:
    """Sentences of ``text`` with the core splitter (for callers without a Segment stage)."""
    return [Sentence(doc_id, b.paragraph_index, i, b.start, b.end, text[b.start:b.end])
            for i, b in enumerate(split_sentences(text))]

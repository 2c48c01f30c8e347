"""Tar and WARC archives: members in order, article text without boilerplate, cut files."""
from __future__ import annotations

import bz2
import gzip
import html
import io
import tarfile

import pytest

from pipeline.core.types import RawRecord, Reject
from pipeline.io.archives import WarcCounts, decode_html, html_to_text, outlet_of, read_tar, read_warc

warcio = pytest.importorskip("warcio")
pytest.importorskip("trafilatura")
from warcio.archiveiterator import ArchiveIterator  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

ARTICLES = [
    ("كيم جونغ أون يزور مصنعا لمقاتلات سو-57",
     ["موسكو (أ ف ب) - وصل الزعيم الكوري الشمالي كيم جونغ أون صباح الجمعة إلى مدينة كومسومولسك على نهر "
      "آمور لزيارة مصنع ينتج مقاتلات Su-57، بحسب ما ذكرت وكالة تاس الروسية للأنباء.",
      "وقال المتحدث باسم الكرملين دميتري بيسكوف للصحفيين إن \"الزيارة ستستمر بضعة أيام أخرى\"، من دون أن "
      "يقدم تفاصيل إضافية. وأكد الكرملين في بيان أن البلدين لم يوقعا أي اتفاق عسكري.",
      "في المقابل، قال المتحدث باسم مجلس الأمن القومي في البيت الأبيض جون كيربي إن واشنطن \"تراقب عن كثب\" "
      "أي صفقة أسلحة محتملة بين موسكو وبيونغ يانغ."]),
    ("افتتاح ثلاثة مستشفيات جديدة في الرياض",
     ["أعلنت وزارة الصحة السعودية اليوم الأحد عن افتتاح ثلاثة مستشفيات جديدة في منطقة الرياض بسعة إجمالية "
      "تبلغ 900 سرير.",
      "وقال المتحدث الرسمي باسم الوزارة إن المستشفيات الجديدة ستخدم أكثر من مليون نسمة في الأحياء الشمالية "
      "والشرقية من العاصمة، وفقا لبيان رسمي.",
      "وأضاف أن المشروع يأتي ضمن خطة الوزارة لرفع عدد الأسرة إلى 3.5 سرير لكل ألف نسمة بحلول عام 2030."]),
    ("الرئيس الفرنسي يستقبل نظيره الجزائري في باريس",
     ["باريس - استقبل الرئيس الفرنسي إيمانويل ماكرون نظيره الجزائري في قصر الإليزيه، وقال في مؤتمر صحفي "
      "مشترك: « Nous ouvrons une nouvelle page » بين البلدين.",
      "وذكرت وكالة الأنباء الجزائرية أن الزيارة تستمر ثلاثة أيام وتشمل توقيع اتفاقيات في مجالي الطاقة "
      "والتعليم العالي."]),
]
# Boilerplate of the page around the article: none of it may reach the text.
BOILERPLATE = ["سياسة الخصوصية", "جميع الحقوق محفوظة", "ملفات تعريف الارتباط", "اقرأ أيضا", "مقال رائع",
               "شارك على", "خبر عاجل رقم"]


def article_page(title: str, paragraphs: list[str], charset: str = "utf-8") -> str:
    nav = "".join(f'<li><a href="/{s}">{t}</a></li>' for s, t in
                  [("politics", "سياسة"), ("economy", "اقتصاد"), ("sport", "رياضة"), ("culture", "ثقافة")])
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    related = "".join(f'<li><a href="/n/{k}">خبر عاجل رقم {k}: اجتماع وزراء الخارجية العرب في القاهرة</a></li>'
                      for k in range(8))
    return f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="{charset}">
<title>{html.escape(title)} | شبكة الأخبار العربية</title><script>var ad = "إعلان";</script></head><body>
<div id="cookies">يستخدم هذا الموقع ملفات تعريف الارتباط لتحسين تجربتك. <button>موافق</button></div>
<header><a href="/">شبكة الأخبار العربية</a><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{html.escape(title)}</h1><div class="share">شارك على: <a href="#">فيسبوك</a> <a href="#">تويتر</a></div>
<div class="article-body">{body}</div></article>
<aside><h3>اقرأ أيضا</h3><ul>{related}</ul></aside>
<section id="comments"><h4>التعليقات</h4><div class="comment">مقال رائع شكرا للكاتب</div></section></main>
<footer><p>جميع الحقوق محفوظة © 2024</p><a href="/privacy">سياسة الخصوصية</a></footer></body></html>"""


FRONT_PAGE = ("<html><head><title>الرئيسية</title></head><body><nav><a href='/a'>سياسة</a> <a href='/b'>اقتصاد</a></nav>"
              + "".join(f"<div class='card'><a href='/n/{k}'>خبر عاجل رقم {k}: اجتماع وزراء الخارجية العرب</a></div>"
                        for k in range(10))
              + "<footer>جميع الحقوق محفوظة</footer></body></html>")


def assert_clean_article(text: str, paragraphs: list[str]) -> None:
    for paragraph in paragraphs:
        assert paragraph in text
    for junk in BOILERPLATE:
        assert junk not in text, junk


# --------------------------------------------------------------------------------------------- HTML

def test_html_to_text_keeps_the_article_and_drops_the_page_around_it():
    title, paragraphs = ARTICLES[0]
    page = html_to_text(article_page(title, paragraphs), "https://www.example.com/a/1")
    text = page.text
    assert_clean_article(text, paragraphs)
    assert page.title == title  # the h1, without the " | site name" suffix of <title>
    assert "\n\n" in text  # paragraphs separated by a blank line, as in .txt inputs


def test_html_to_text_from_windows_1256_bytes_with_meta_charset():
    title, paragraphs = ARTICLES[1]
    data = article_page(title, paragraphs, charset="windows-1256").encode("cp1256")
    page = html_to_text(data, None)
    assert_clean_article(page.text, paragraphs)
    assert page.title == title
    assert decode_html(data)[1] == "windows-1256"


@pytest.mark.parametrize("page", [FRONT_PAGE, "", "<html><body></body></html>", "%PDF-1.4 \x00\x01"])
def test_html_to_text_gives_none_without_an_article(page):
    assert html_to_text(page, "https://example.com/") is None


def page_with_metadata(title: str, paragraphs: list[str]) -> str:
    """An article page that declares its URL, outlet, publication time and author."""
    head = ('<link rel="canonical" href="https://www.alwatan-news.com/politics/2015/123">'
            '<meta property="og:site_name" content="الوطن نيوز">'
            '<meta property="article:published_time" content="2015-08-01T09:00:00+03:00">'
            '<meta name="author" content="محمد العلي">')
    return article_page(title, paragraphs).replace("</title>", "</title>" + head, 1)


def test_html_metadata_gives_url_date_outlet_and_author():
    page = html_to_text(page_with_metadata(*ARTICLES[0]))
    assert (page.url, page.date, page.outlet, page.author) == (
        "https://www.alwatan-news.com/politics/2015/123", "2015-08-01T09:00:00+0300", "الوطن نيوز", "محمد العلي")
    assert page.title == ARTICLES[0][0]
    assert_clean_article(page.text, ARTICLES[0][1])


def test_html_file_record_carries_the_page_metadata():
    from pipeline.io.archives import html_record

    record = html_record("page.html", page_with_metadata(*ARTICLES[0]).encode())
    assert (record.url, record.date, record.outlet, record.author) == (
        "https://www.alwatan-news.com/politics/2015/123", "2015-08-01T09:00:00+0300", "الوطن نيوز", "محمد العلي")
    bare = html_record("bare.html", article_page(*ARTICLES[0]).encode())  # declares nothing: nothing invented
    assert (bare.url, bare.date, bare.author) == (None, None, None)


def test_page_date_without_a_time_stays_a_day():
    markup = article_page(*ARTICLES[1]).replace(
        "</title>", '</title><meta property="article:published_time" content="2015-07-21">', 1)
    assert html_to_text(markup).date == "2015-07-21"


def test_decode_html_prefers_the_page_over_a_latin1_server_default():
    data = article_page(*ARTICLES[0]).encode("utf-8")
    assert decode_html(data, "ISO-8859-1") == (data.decode("utf-8"), "utf-8")
    assert decode_html(data, "utf-8")[1] == "utf-8"
    cp = article_page(*ARTICLES[0], charset="windows-1256").encode("cp1256")
    assert decode_html(cp, "utf-8") == (cp.decode("cp1256"), "windows-1256")  # the wrong label fails, meta wins
    assert decode_html(cp)[1] == "windows-1256"


def test_outlet_is_the_host():
    assert outlet_of("https://www.Aljazeera.net/news/1?x=2") == "aljazeera.net"
    assert outlet_of("http://news.example.co.uk:8080/a") == "news.example.co.uk"
    assert outlet_of(None) is None and outlet_of("not a url") is None


# ---------------------------------------------------------------------------------------------- tar

def member_records(uri, name, data):
    yield RawRecord(uri, data, member=name, record_offset=0)


def make_tar(path, members: dict[str, bytes], mode: str = "w", extras: bool = True) -> bytes:
    with tarfile.open(path, mode) as tar:
        if extras:
            info = tarfile.TarInfo("docs")
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if extras:
            hidden = tarfile.TarInfo("docs/._a.txt")  # macOS resource fork: skipped
            hidden.size = 3
            tar.addfile(hidden, io.BytesIO(b"xyz"))
    return path.read_bytes()


MEMBERS = {f"docs/{i:02d}.txt": ("\n\n".join([t] + ps)).encode("utf-8") for i, (t, ps) in enumerate(ARTICLES * 2)}


def read_all_tar(uri, data):
    return list(read_tar(uri, io.BytesIO(data), member_records))


@pytest.mark.parametrize("suffix,mode", [(".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar.bz2", "w:bz2"),
                                         (".tar.xz", "w:xz")])
def test_tar_members_in_order(tmp_path, suffix, mode):
    data = make_tar(tmp_path / f"a{suffix}", MEMBERS, mode)
    units = read_all_tar("a" + suffix, data)
    assert [u.member for u in units] == list(MEMBERS)
    assert all(isinstance(u, RawRecord) for u in units)
    assert [u.body for u in units] == list(MEMBERS.values())


def test_tar_from_an_already_decompressed_stream(tmp_path):
    data = make_tar(tmp_path / "a.tar.gz", MEMBERS, "w:gz")
    units = list(read_tar("a.tar.gz", gzip.GzipFile(fileobj=io.BytesIO(data)), member_records))
    assert [u.member for u in units] == list(MEMBERS)


@pytest.mark.parametrize("suffix,mode", [(".tar", "w"), (".tar.gz", "w:gz"), (".tar.bz2", "w:bz2")])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_truncated_tar_yields_the_good_members_then_one_reject(tmp_path, suffix, mode, keep):
    big = {name: body * 40 for name, body in MEMBERS.items()}  # large enough that compression leaves bytes to cut
    data = make_tar(tmp_path / f"a{suffix}", big, mode, extras=False)
    units = read_all_tar("a" + suffix, data[: int(len(data) * keep)])
    *records, last = units
    assert isinstance(last, Reject) and last.reason == "truncated_archive", last
    assert all(isinstance(u, RawRecord) for u in records)
    assert [u.member for u in records] == list(big)[: len(records)]  # a prefix, in order
    assert [u.body for u in records] == [big[u.member] for u in records]  # each member whole
    assert len(records) < len(big)
    assert last.member == (records[-1].member if records else None)


def test_tar_cut_at_a_member_boundary_is_reported(tmp_path):
    data = make_tar(tmp_path / "a.tar", MEMBERS, extras=False)
    # drop the end-of-archive blocks: every member is whole but the archive did not end properly
    end = data.rstrip(b"\0")
    end = end + b"\0" * (-len(end) % 512)
    units = read_all_tar("a.tar", end)
    assert [u.member for u in units[:-1]] == list(MEMBERS)
    assert units[-1].reason == "truncated_archive"
    assert "end-of-archive" in units[-1].message


def test_tar_gz_cut_in_the_gzip_trailer_keeps_every_member(tmp_path):
    data = make_tar(tmp_path / "a.tar.gz", MEMBERS, "w:gz", extras=False)
    units = read_all_tar("a.tar.gz", data[:-4])
    assert [u.member for u in units[:-1]] == list(MEMBERS)
    assert units[-1].reason == "truncated_archive"


@pytest.mark.parametrize("data,reason", [(b"", "empty_file"), (b"\0" * 10240, "empty_file"),
                                         (b"this is not a tar archive at all " * 40, "truncated_archive"),
                                         (gzip.compress(b""), "empty_file"), (bz2.compress(b"x" * 100), "truncated_archive")])
def test_tar_that_is_empty_or_not_a_tar(data, reason):
    units = read_all_tar("x.tar", data)
    assert len(units) == 1 and units[0].reason == reason, units


def test_tar_with_only_directories_is_empty(tmp_path):
    data = make_tar(tmp_path / "a.tar", {}, extras=True)
    units = read_all_tar("a.tar", data)
    assert [u.reason for u in units] == ["empty_file"]


def test_errors_of_the_member_reader_are_not_archive_damage(tmp_path):
    data = make_tar(tmp_path / "a.tar", MEMBERS)

    def broken(uri, name, data):
        raise RuntimeError("bug in the member reader")
        yield  # pragma: no cover

    with pytest.raises(RuntimeError, match="bug in the member reader"):
        list(read_tar("a.tar", io.BytesIO(data), broken))


def test_member_reader_output_passes_through(tmp_path):
    data = make_tar(tmp_path / "a.tar", {"x.jsonl": b"1\n2\n", "y.bin": b"\x00"}, extras=False)

    def reader(uri, name, data):
        if name.endswith(".jsonl"):
            for i, line in enumerate(data.splitlines(), 1):
                yield RawRecord(uri, line.decode(), member=name, record_offset=i)
        else:
            yield Reject(uri, "unsupported_format", "no reader", member=name)

    units = read_all_tar("a.tar", data)
    assert len(units) == 2
    units = list(read_tar("a.tar", io.BytesIO(data), reader))
    assert [(type(u).__name__, u.member, u.record_offset) for u in units] == [
        ("RawRecord", "x.jsonl", 1), ("RawRecord", "x.jsonl", 2), ("Reject", "y.bin", None)]


# --------------------------------------------------------------------------------------------- WARC

def http(status: str, content_type: str | None) -> StatusAndHeaders:
    headers = [("Content-Type", content_type)] if content_type else []
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def write_warc(path, gz: bool, *, html_only: bool = False) -> dict:
    """A small crawl: warcinfo, request+response pairs, an image, a 404, a front page, a metadata record."""
    expected = {}
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "pytest"}))
        for i, (title, paragraphs) in enumerate(ARTICLES):
            url = f"https://www.example-news.com/politics/{i}"
            charset = "windows-1256" if i == 1 else "utf-8"
            body = article_page(title, paragraphs, charset).encode("cp1256" if i == 1 else "utf-8")
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(
                f"GET /politics/{i} HTTP/1.1\r\nHost: www.example-news.com\r\n\r\n".encode()),
                warc_headers_dict={"WARC-Date": f"2024-09-1{i}T08:00:00Z"}))
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                               http_headers=http("200 OK", f"text/html; charset={charset}"),
                                               warc_headers_dict={"WARC-Date": f"2024-09-1{i}T08:00:00Z"})
            writer.write_record(record)
            expected[record.rec_headers.get_header("WARC-Record-ID")] = (url, title, paragraphs, charset, i)
            if not html_only:
                writer.write_record(writer.create_warc_record(
                    f"https://www.example-news.com/img/{i}.png", "response",
                    payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(range(256))), http_headers=http("200 OK", "image/png")))
        if not html_only:
            writer.write_record(writer.create_warc_record(
                "https://www.example-news.com/missing", "response", payload=io.BytesIO(article_page(*ARTICLES[0]).encode()),
                http_headers=http("404 Not Found", "text/html")))
            writer.write_record(writer.create_warc_record(
                "https://www.example-news.com/", "response", payload=io.BytesIO(FRONT_PAGE.encode()),
                http_headers=http("200 OK", "text/html; charset=UTF-8")))
            writer.write_record(writer.create_warc_record(
                "https://www.example-news.com/", "metadata", payload=io.BytesIO(b"outlinks: /a /b"),
                warc_content_type="application/warc-fields"))
    return expected


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_warc_html_responses_become_articles(tmp_path, gz):
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    expected = write_warc(path, gz)
    counts = WarcCounts()
    with open(path, "rb") as stream:
        units = list(read_warc(str(path), stream, counts))
    records = [u for u in units if isinstance(u, RawRecord)]
    rejects = [u for u in units if isinstance(u, Reject)]
    assert len(records) == len(ARTICLES)
    # the front page has only link lists: no article, one reject that names it
    assert [r.reason for r in rejects] == ["html_extraction_failed"]
    assert "https://www.example-news.com/" in rejects[0].message
    for record in records:
        url, title, paragraphs, charset, i = expected[record.record_id]
        assert record.url == url and record.title == title
        assert record.date == f"2024-09-1{i}T08:00:00Z"
        assert record.outlet == "example-news.com"
        assert record.encoding == charset and isinstance(record.body, str)
        assert_clean_article(record.body, paragraphs)
        assert record.member is None
    # record_offset is where the record starts in the file: warcio reads exactly that record there
    data = path.read_bytes()
    for unit in records + rejects:
        first = next(iter(ArchiveIterator(io.BytesIO(data[unit.record_offset:]))))
        assert first.rec_headers.get_header("WARC-Record-ID") == unit.record_id
    assert counts.articles == 3 and counts.extraction_failed == 1
    assert counts.skipped == {"warcinfo": 1, "request": 3, "non_html:image/png": 3, "http_404": 1, "metadata": 1}
    assert counts.records == 1 + 3 * 3 + 3


def test_warc_headers_come_first_for_url_and_date_then_the_page(tmp_path):
    path = tmp_path / "meta.warc"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=False)
        writer.write_record(writer.create_warc_record(
            "https://m.alwatan-news.com/p?id=123", "response", payload=io.BytesIO(page_with_metadata(*ARTICLES[0]).encode()),
            http_headers=http("200 OK", "text/html; charset=utf-8"), warc_headers_dict={"WARC-Date": "2024-09-10T08:00:00Z"}))
    [record] = list(read_warc(str(path), path.open("rb")))
    assert (record.url, record.date) == ("https://m.alwatan-news.com/p?id=123", "2024-09-10T08:00:00Z")
    assert (record.outlet, record.author) == ("الوطن نيوز", "محمد العلي")


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
@pytest.mark.parametrize("keep", [0.5, 0.8, 0.97])
def test_truncated_warc_yields_the_good_records_then_one_reject(tmp_path, gz, keep):
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    write_warc(path, gz, html_only=True)
    data = path.read_bytes()
    units = list(read_warc("crawl", io.BytesIO(data[: int(len(data) * keep)])))
    *records, last = units
    assert last.reason == "truncated_archive", units
    assert all(isinstance(u, RawRecord) for u in records)
    assert len(records) < len(ARTICLES)
    assert [r.url for r in records] == [f"https://www.example-news.com/politics/{i}" for i in range(len(records))]


def test_warc_without_html_is_one_empty_file_reject(tmp_path):
    path = tmp_path / "images.warc"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=False)
        writer.write_record(writer.create_warcinfo_record("images.warc", {"software": "pytest"}))
        writer.write_record(writer.create_warc_record("https://example.com/a.css", "response",
                                                      payload=io.BytesIO(b"body{}"), http_headers=http("200 OK", "text/css")))
    counts = WarcCounts()
    units = list(read_warc(str(path), path.open("rb"), counts))
    assert [u.reason for u in units] == ["empty_file"]
    assert "1 non_html:text/css" in units[0].message
    assert counts.skipped == {"warcinfo": 1, "non_html:text/css": 1}


@pytest.mark.parametrize("data,reason", [(b"", "empty_file"), (b"<html><body>not a warc</body></html>" * 5, "unsupported_format")])
def test_warc_that_is_empty_or_not_a_warc(data, reason):
    units = list(read_warc("x.warc", io.BytesIO(data)))
    assert [u.reason for u in units] == [reason]


def test_read_warc_returns_its_counts_to_yield_from(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, True)

    def caller():
        counts = yield from read_warc(str(path), path.open("rb"))
        yield counts

    *units, counts = list(caller())
    assert isinstance(counts, WarcCounts) and counts.articles == 3 and len(units) == 4


def test_warc_payload_with_content_encoding_and_chunks(tmp_path):
    page_gz = gzip.compress(article_page(*ARTICLES[0]).encode())
    page = article_page(*ARTICLES[1]).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(page[i:i + 500]), page[i:i + 500]) for i in range(0, len(page), 500)) + b"0\r\n\r\n"
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for url, payload, headers in [
        ("https://a.example/x", page_gz, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]),
        ("https://a.example/y", chunked, [("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")]),
    ]:
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                      http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")))
    units = list(read_warc("x.warc.gz", io.BytesIO(buf.getvalue())))
    assert [type(u).__name__ for u in units] == ["RawRecord", "RawRecord"]
    assert_clean_article(units[0].body, ARTICLES[0][1])
    assert_clean_article(units[1].body, ARTICLES[1][1])


@pytest.mark.parametrize("kind", ["tar.gz", "warc", "warc.gz"])
def test_no_cut_ever_yields_a_partial_article(tmp_path, kind):
    """Cut the file at many points: every record yielded equals the one read from the whole file."""
    if kind.startswith("tar"):
        data = make_tar(tmp_path / "a.tar.gz", MEMBERS, "w:gz", extras=False)

        def read(chunk):
            return read_all_tar("a.tar.gz", chunk)
    else:
        path = tmp_path / f"c.{kind}"
        write_warc(path, kind.endswith(".gz"), html_only=True)
        data = path.read_bytes()

        def read(chunk):
            return list(read_warc("c", io.BytesIO(chunk)))
    whole = [u for u in read(data) if isinstance(u, RawRecord)]
    assert len(whole) in (len(MEMBERS), len(ARTICLES))
    for cut in range(0, len(data), 41):
        units = read(data[:cut])
        records = [u for u in units if isinstance(u, RawRecord)]
        assert [(r.member, r.record_id, r.body) for r in records] == [
            (w.member, w.record_id, w.body) for w in whole[: len(records)]]
        assert units, cut  # every input yields at least one unit
        assert all(isinstance(u, RawRecord) for u in units[:-1]), cut  # a reject only at the end


def test_html_record_for_plain_html_files():
    from pipeline.io.archives import html_record

    data = article_page(*ARTICLES[1], charset="windows-1256").encode("cp1256")
    record = html_record("page.html", data)
    assert isinstance(record, RawRecord) and record.encoding == "windows-1256" and record.title == ARTICLES[1][0]
    assert_clean_article(record.body, ARTICLES[1][1])
    assert html_record("front.html", FRONT_PAGE.encode()).reason == "html_extraction_failed"
    assert html_record("blank.html", b"  \n").reason == "empty_file"


def test_tar_zst_and_a_cut_one(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    data = zstandard.ZstdCompressor().compress(make_tar(tmp_path / "a.tar", MEMBERS, extras=False))
    units = read_all_tar("a.tar.zst", data)
    assert [u.member for u in units] == list(MEMBERS)
    units = read_all_tar("a.tar.zst", data[: len(data) // 2])
    assert units[-1].reason == "truncated_archive" and len(units) <= len(MEMBERS)


def test_zstd_reader_reads_lines_and_reports_a_cut():
    zstandard = pytest.importorskip("zstandard")
    from pipeline.io.archives import zstd_reader

    lines = [f"{{\"id\": {i}, \"text\": \"نص المقال رقم {i}\"}}\n".encode() for i in range(2000)]
    data = b"".join(zstandard.ZstdCompressor().compress(b"".join(lines[i:i + 500])) for i in range(0, 2000, 500))
    assert list(zstd_reader(io.BytesIO(data))) == lines  # several frames, iterated by line
    with pytest.raises(EOFError):
        list(zstd_reader(io.BytesIO(data[: len(data) // 2])))


def test_skipped_warc_records_are_counted_by_kind_in_inputs_and_manifest(tmp_path):
    """A whole run (in this process) on a crawl: the skipped records show in the inputs table and the manifest."""
    import pyarrow.dataset as ds

    from pipeline.config import load_config
    from pipeline.run import run

    path = tmp_path / "in" / "crawl.warc.gz"
    path.parent.mkdir()
    write_warc(path, gz=True)
    out = tmp_path / "out"
    result = run([str(path)], str(out), load_config(None, ["run.progress_seconds=1000"]))
    expected = {"warcinfo": 1, "request": 3, "non_html:image/png": 3, "http_404": 1, "metadata": 1}
    [row] = ds.dataset(out / "inputs", format="parquet").to_table().to_pylist()
    assert dict(row["skipped_records"]) == expected
    assert {k[len("read.skipped_"):]: v for k, v in result.manifest["metrics"].items()
            if k.startswith("read.skipped_")} == expected
    assert result.manifest["accounting"] == {"inputs": 4, "documents": 3, "rejects": 1}
    documents = ds.dataset(out / "documents", format="parquet").to_table(columns=["url", "outlet"]).to_pylist()
    assert {d["outlet"] for d in documents} == {"example-news.com"}

import codecs

from pipeline.core.decode import decode_bytes

ARABIC = "قال المتحدث باسم الكرملين إن الزيارة ستستمر."


def test_utf8_plain_and_with_bom():
    assert decode_bytes(ARABIC.encode()).encoding == "utf-8"
    decoded = decode_bytes(codecs.BOM_UTF8 + ARABIC.encode())
    assert decoded.text == ARABIC and decoded.encoding == "utf-8-bom"


def test_utf16_with_bom_both_byte_orders():
    for encoding in ("utf-16-le", "utf-16-be"):
        bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
        decoded = decode_bytes(bom + ARABIC.encode(encoding))
        assert decoded.text == ARABIC and decoded.encoding == "utf-16"


def test_windows_1256_detected():
    decoded = decode_bytes(ARABIC.encode("cp1256"))
    assert decoded.text == ARABIC and decoded.encoding == "windows-1256"


def test_binary_is_flagged_not_decoded():
    assert decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))).binary


def test_invalid_bytes_never_raise_and_are_counted():
    decoded = decode_bytes(ARABIC.encode() + b"\xff\xfe\xfa" + ARABIC.encode())
    assert decoded.replaced >= 1 and ARABIC in decoded.text

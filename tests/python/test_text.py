import attune
import pytest


def test_tokenize_kinds_and_flags():
    toks = attune.tokenize("Not bad!!! 😍 @you")
    assert [t.text for t in toks] == ["not", "bad", "!!!", "😍", "@you"]
    assert toks[0].flags == ["negator"]
    assert toks[1].flags == ["negated"]
    assert toks[2].kind == "punctuation" and toks[2].flags == ["emphasis"]
    assert toks[3].kind == "emoji"
    assert toks[4].kind == "mention"


def test_offsets_are_utf8_bytes():
    text = "café 😀 ok"
    raw = text.encode("utf-8")
    for t in attune.tokenize(text):
        assert raw[t.offset:t.offset + t.length].decode("utf-8").lower().startswith(t.text[:1])


def test_malformed_utf8_bytes_raise_value_error_with_offset():
    with pytest.raises(ValueError, match="byte offset 2"):
        attune.tokenize(b"ok\xc0\xaf")
    toks = attune.tokenize(b"ok \xc0\xaf", replace_invalid=True)
    assert toks[0].text == "ok"


def test_lone_surrogate_str_is_value_error():
    with pytest.raises(ValueError):
        attune.tokenize("bad \ud800 text")


def test_oversized_input_is_value_error():
    with pytest.raises(ValueError, match="limit"):
        attune.tokenize("a" * (attune.MAX_TEXT_BYTES + 1))


def test_wrong_type_is_value_error():
    with pytest.raises(ValueError):
        attune.tokenize(42)


def test_normalize():
    assert attune.normalize("  SOOOO   Good!! ") == "so good !!"

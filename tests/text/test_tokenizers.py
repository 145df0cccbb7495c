import json

import numpy as np
import pytest

from modelcollapse.core.errors import UsageError
from modelcollapse.text.tokenizers import BPETokenizer, CharTokenizer, HFTokenizer, build_tokenizer

TEXT = ("Now is the winter of our discontent\nMade glorious summer by this sun of York;\n"
        "And all the clouds that lour'd upon our house\nIn the deep bosom of the ocean buried.\n"
        "café — naïve 'quotes' 日本\n") * 5


def test_char_round_trip_and_unknown_characters():
    tokenizer = CharTokenizer.from_text(TEXT)
    ids = tokenizer.encode(TEXT)
    assert ids.dtype == np.int64 and len(ids) == len(TEXT)
    assert tokenizer.decode(ids) == TEXT
    assert ids.max() < tokenizer.unk_id == tokenizer.vocab_size - 1
    unseen = tokenizer.encode("QX€")
    assert list(unseen) == [tokenizer.unk_id] * 3
    assert tokenizer.decode(unseen) == "\ufffd" * 3


def test_char_ids_follow_code_points():
    tokenizer = CharTokenizer.from_text("cab")
    assert list(tokenizer.encode("abc")) == [0, 1, 2]
    assert tokenizer.name == "char" and tokenizer.bos_id is None


def test_bpe_round_trip_is_exact_and_compresses():
    tokenizer = BPETokenizer.train(TEXT, vocab_size=300)
    ids = tokenizer.encode(TEXT)
    assert tokenizer.decode(ids) == TEXT
    assert len(ids) < 0.7 * len(TEXT.encode("utf-8"))
    assert tokenizer.vocab_size == 300 and ids.max() < 300
    other = "Text it never saw: ünïcödé & 🎭\n"
    assert tokenizer.decode(tokenizer.encode(other)) == other  # byte-level: nothing unknown


def test_bpe_training_is_deterministic():
    a = BPETokenizer.train(TEXT, vocab_size=320)
    b = BPETokenizer.train(TEXT, vocab_size=320)
    assert np.array_equal(a.encode(TEXT), b.encode(TEXT))
    assert a.backend.get_vocab() == b.backend.get_vocab()


def test_bpe_rejects_a_vocabulary_smaller_than_the_bytes():
    with pytest.raises(ValueError, match="vocab_size >= 257"):
        BPETokenizer.train(TEXT, vocab_size=100)


def test_hf_tokenizer_reads_a_local_checkpoint_folder(tmp_path):
    BPETokenizer.train(TEXT, vocab_size=280).backend.save(str(tmp_path / "tokenizer.json"))
    (tmp_path / "config.json").write_text(json.dumps({"bos_token_id": 1, "eos_token_id": 2}))
    tokenizer = build_tokenizer(f"hf:{tmp_path}", "ignored")
    assert isinstance(tokenizer, HFTokenizer) and tokenizer.name == "hf"
    assert (tokenizer.bos_id, tokenizer.eos_id) == (1, 2)
    assert tokenizer.decode(tokenizer.encode(TEXT)) == TEXT


def test_hf_tokenizer_names_a_missing_file(tmp_path):
    with pytest.raises(UsageError, match=r"no tokenizer\.json"):
        build_tokenizer(f"hf:{tmp_path}", "")


def test_unknown_tokenizer_kind():
    with pytest.raises(UsageError, match="use 'char', 'bpe' or 'hf:PATH'"):
        build_tokenizer("word", TEXT)

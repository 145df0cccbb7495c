import numpy as np
import pytest

from modelcollapse.core.errors import UsageError
from modelcollapse.families.language.world import text_world
from modelcollapse.text.split import split_blocks


def test_split_is_deterministic_striped_and_complete():
    ids = np.arange(100 * 8)
    train, held = split_blocks(ids, 8, 0.2)
    assert train.shape == (80, 8) and held.shape == (20, 8)
    assert np.array_equal(np.sort(np.concatenate([train, held]).ravel()), ids)
    held_starts = held[:, 0] // 8
    assert list(held_starts[:2]) == [4, 9]  # the last block of each stripe of five
    again_train, again_held = split_blocks(ids, 8, 0.2)
    assert np.array_equal(train, again_train) and np.array_equal(held, again_held)


def test_split_refuses_corpora_smaller_than_two_blocks():
    with pytest.raises(UsageError, match="fewer than two blocks"):
        split_blocks(np.arange(10), 8, 0.1)


def test_shakespeare_world_meets_the_contract():
    world = text_world("shakespeare", block_size=32, max_chars=50_000, prompt_size=8)
    rng = np.random.default_rng(0)
    data = world.sample(5, rng=rng)
    assert data.X.shape == (5, 32) and data.X.dtype == np.int64 and data.y is None
    assert (data.origin == 0).all()
    assert world.block_size == 32 and world.tokenizer.name == "char"
    assert world.held_out.dtype == np.int64 and world.held_out.shape[1] == 32
    prompts = world.draw_inputs(4, rng=rng)
    assert prompts.shape == (4, 8) and prompts.dtype == np.int64
    rows = {block.tobytes() for block in world.train}
    assert all(row.tobytes() in rows for row in data.X)
    assert len(world.train) + len(world.held_out) == 50_000 // 32
    assert world.held_out_text in world.tokenizer.decode(world.held_out.ravel())
    assert "the" in world.train_text.split()


def test_worlds_are_built_once_per_settings():
    a = text_world("shakespeare", block_size=32, max_chars=50_000)
    assert text_world("shakespeare", block_size=32, max_chars=50_000) is a


def test_user_text_world_with_bpe(tmp_path):
    (tmp_path / "t.txt").write_text("to be or not to be, that is the question\n" * 200)
    world = text_world(f"text:{tmp_path / 't.txt'}", tokenizer="bpe", vocab_size=300,
                       block_size=16)
    assert world.tokenizer.vocab_size <= 300  # a small text runs out of merges first
    assert world.held_out.max() < world.tokenizer.vocab_size


def test_prompt_size_cannot_exceed_the_block():
    with pytest.raises(UsageError, match="prompt_size"):
        text_world("shakespeare", block_size=8, prompt_size=9)

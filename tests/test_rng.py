import numpy as np
import pytest

from modelcollapse import Role, SeedTree


def test_a_stream_is_rebuilt_from_its_address_alone():
    tree = SeedTree(7)
    first = tree.stream(3, 5, Role.SAMPLE).random(4)
    # Drawing other streams in between must not matter.
    tree.stream(0, 1, Role.REAL).random(100)
    np.testing.assert_array_equal(first, SeedTree(7).stream(3, 5, Role.SAMPLE).random(4))


@pytest.mark.parametrize("other", [(4, 5, Role.SAMPLE), (3, 6, Role.SAMPLE), (3, 5, Role.REAL)])
def test_different_addresses_give_different_streams(other):
    tree = SeedTree(7)
    assert not np.array_equal(tree.stream(3, 5, Role.SAMPLE).random(4),
                              tree.stream(*other).random(4))


def test_block_streams_differ_from_replicate_streams_and_by_seed():
    a = SeedTree(1).block_stream(0, 10, 1, Role.REAL).random(3)
    assert not np.array_equal(a, SeedTree(1).stream(0, 10, Role.REAL).random(3))
    assert not np.array_equal(a, SeedTree(2).block_stream(0, 10, 1, Role.REAL).random(3))


@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match="seed"):
        SeedTree(seed)

"""The code world, the verifier filter, API drift and a code-model chain end to end."""

import numpy as np
import pytest

from modelcollapse import Chain
from modelcollapse.core.data import Dataset
from modelcollapse.families.code.filters import StaticVerifierFilter, passes_verification
from modelcollapse.families.code.metrics import CODE_METRICS, CodeMetric, code_figures
from modelcollapse.families.code.world import code_world
from modelcollapse.families.language.ngram import NGramLM
from modelcollapse.policies.training_sets import Replace


@pytest.fixture(scope="module")
def world():
    return code_world(max_units=300, block_size=128, drift=0.3)


def test_real_units_decode_to_code_that_verifies(world):
    sources = [world.decode_item(block) for block in world.train]
    assert len(sources) >= 100
    kept = passes_verification(Dataset.real(world.train), world)
    assert kept.mean() >= 0.95        # human-written stdlib code is (almost) never flagged
    assert all(s.lstrip().startswith(("def ", "class ", "async ", "@", "import ", "from "))
               for s in sources)
    assert not set(world.held_out_text.split("\n\n")) & set(sources)


def test_api_drift_renames_and_rewrites(world):
    later = world.at(4)
    assert later.stale_names and later.stale_names <= world.api
    old = sorted(later.stale_names)[0]
    assert f"{old}_v" in later.renames[old]
    before = [world.decode_item(b) for b in world.train]
    after = [later.decode_item(b) for b in later.train]
    stale = code_figures(before, stale=later.stale_names, current=later.api_names)
    fresh = code_figures(after, stale=later.stale_names, current=later.api_names)
    assert stale.figures["stale_name_rate"] > 0.05
    assert fresh.figures["stale_name_rate"] == 0.0


def test_filter_keeps_only_passing_items(world):
    junk = world.tokenizer.encode("import reqeusts\n\n\n")
    junk = np.pad(junk, (0, world.block_size - len(junk)), constant_values=world._pad_id)
    data = Dataset.concat([Dataset.real(world.train[:5]),
                           Dataset.synthetic(np.stack([junk, world.train[5]]), None, 1)])
    kept, figures = StaticVerifierFilter().apply(data, world=world, rng=np.random.default_rng(0))
    assert len(kept) == 6 and figures["static_verifier_kept_synthetic"] == 0.5
    assert passes_verification(kept, world).all()


def test_code_chain_runs_and_records_every_figure(world):
    chain = Chain(world, NGramLM(order=4), Replace(), n_samples=120, n_generations=3,
                  metrics=(CodeMetric(n_items=40),), filters=(StaticVerifierFilter(),))
    frame = chain.run(2, seed=0)
    assert set(CODE_METRICS) <= set(frame.metric)
    parse = frame[frame.metric == "parse_rate"].value
    assert parse.between(0, 1).all()
    stale = frame[(frame.metric == "stale_name_rate") & (frame.generation == 1)].value
    assert not (stale > 0).any()      # nothing is renamed yet (NaN: no API name used)


def test_api_names_are_unambiguous(world):
    import builtins

    assert len(world.api) >= 50
    assert not world.api & set(dir(builtins)) and not world.api & set(dir(str))
    methods = {line.split("def ", 1)[1].split("(")[0] for unit in world.train_units
               for line in unit.splitlines() if line.startswith((" ", "\t"))
               and line.lstrip().startswith("def ")}
    assert not world.api & methods     # renaming a method name would rewrite unrelated calls
    later = world.at(3)
    assert all(f"{name}_v" in later.renames[name] for name in later.stale_names)


def test_held_out_perplexity_scores_code_not_padding(world):
    from modelcollapse.families.language.metrics import HeldOutPerplexity

    mask = world.held_out_mask
    assert mask.shape == world.held_out.shape
    lengths = mask.sum(axis=1)
    assert (lengths >= 1).all() and (lengths < world.block_size).any()
    # Every row is the code, then nothing but padding.
    assert (np.diff(mask.astype(int), axis=1) <= 0).all()
    model = NGramLM(order=3).for_world(world).fit(Dataset.real(world.train),
                                                  rng=np.random.default_rng(0))
    scored = HeldOutPerplexity().measure(model, world)["held_out_perplexity"]
    everything = float(np.exp(-np.mean(model.log_prob(world.held_out))))
    assert scored > 1.2 * everything  # padding newlines are easy: counting them flatters


def test_the_third_party_import_summary_counts_what_code_imports():
    from modelcollapse.families.code import default_registry
    from modelcollapse.families.code.thirdparty import import_summary

    units = ["import numpy as np\nimport os\n\ndef f():\n    return np.zeros(1)",
             "from pandas import DataFrame\nimport numpy\n\nclass A:\n    pass",
             "import reqeusts\n\ndef g():\n    pass", "def (broken"]
    summary = import_summary(units, default_registry())
    assert summary["units"] == 4 and summary["third_party_imports"] == 4
    assert summary["distinct_third_party"] == 3
    assert summary["top_third_party"][0] == ("numpy", 2)
    assert summary["real_share"] == 0.75          # reqeusts names no package

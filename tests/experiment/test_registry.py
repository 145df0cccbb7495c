import pytest

from modelcollapse.core import registry
from modelcollapse.core.registry import Registry


def test_register_build_and_list():
    things = Registry("thing")

    @things.register("square")
    def square(side: float = 1.0):
        return side * side

    assert things.names() == ["square"] and "square" in things
    assert things.build("square", {"side": 3.0}) == 9.0


def test_duplicates_are_errors():
    things = Registry("thing")
    things.register("a")(lambda: 1)
    with pytest.raises(ValueError, match="already registered"):
        things.register("a")(lambda: 2)


def test_unknown_names_and_settings_suggest_the_closest():
    with pytest.raises(KeyError, match="did you mean 'polynomial'"):
        registry.models.get("polynomal")
    with pytest.raises(TypeError, match="did you mean 'degree'"):
        registry.models.build("polynomial", {"degre": 3})


def test_built_in_components_are_registered():
    assert {"replace", "accumulate", "accumulate-subsample", "fresh-real",
            "keep-original"} <= set(registry.policies.names())
    assert "cosine" in registry.worlds and "polynomial" in registry.models
    assert {"mse_to_truth", "coefficients"} <= set(registry.metrics.names())


def test_lazy_entries_import_their_module_only_when_used():
    import subprocess
    import sys

    code = ("import sys; "
            "from modelcollapse.core.registry import models; models.names(); "
            "before = 'modelcollapse.families.language.transformer' in sys.modules; "
            "model = models.build('transformer', {'n_layer': 1}); "
            "print(before, type(model).__name__, model.n_layer)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "TransformerLM", "1"]
    things = Registry("thing")
    with pytest.raises(ValueError, match="module:Attribute"):
        things.add("bad", "no.colon.here")


def test_fields_read_from_the_world_are_not_settings():
    """A model class registered as it is takes its settings from its fields, minus the world's."""
    accepted = registry.models.parameters("ngram")
    assert "order" in accepted and not {"vocab_size", "block_size", "tokenizer"} & set(accepted)
    with pytest.raises(TypeError, match="has no setting 'vocab_size'"):
        registry.models.build("ngram", {"vocab_size": 5})
    assert "_start" not in registry.models.parameters("hf")

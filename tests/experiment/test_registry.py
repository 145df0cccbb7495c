import pytest

from modelcollapse.experiment import registry
from modelcollapse.experiment.registry import Registry


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

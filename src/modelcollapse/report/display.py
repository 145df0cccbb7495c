"""How each recorded metric is shown: its readable name, its unit, and which way is worse.

Figures, tables and reports read this one place, never the metric id, so an
axis says "held-out perplexity (higher is worse)" rather than
``held_out_perplexity``. Each family also names its **headline** metric here:
the one a report leads with and ``modelcollapse plot`` draws by default.

Plug-ins add their own entries with :func:`register_display` and
:func:`register_headline`; a metric with no entry is shown by its id with
underscores as spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DISPLAYS", "HEADLINES", "MetricDisplay", "display", "headline_metric",
           "register_display", "register_headline"]


@dataclass(frozen=True)
class MetricDisplay:
    """The readable face of one recorded metric.

    Parameters
    ----------
    name : str
        Display name, lower case so it reads inside a sentence ("held-out perplexity").
    unit : str, default ""
        Unit, or ``""`` for counts, shares and other plain numbers.
    worse : {"higher", "lower"} or None, default None
        The direction that means more collapse; ``None`` where neither does.
    """

    name: str
    unit: str = ""
    worse: str | None = None

    def __post_init__(self) -> None:
        if self.worse not in ("higher", "lower", None):
            raise ValueError(f"worse={self.worse!r}: use 'higher', 'lower' or None")

    @property
    def direction(self) -> str:
        """``"higher is worse"``, ``"lower is worse"`` or ``""``."""
        return f"{self.worse} is worse" if self.worse else ""

    @property
    def title(self) -> str:
        """The name with a capital first letter, for headings."""
        return self.name[:1].upper() + self.name[1:]

    def axis_label(self) -> str:
        """The name and unit, with the direction on a second line where there is one."""
        text = f"{self.name} ({self.unit})" if self.unit else self.name
        return f"{text}\n({self.direction})" if self.worse else text

    def describe(self) -> str:
        """One phrase for captions: name, unit and direction.

        For example ``KL(model ‖ truth) (nats; higher is worse)``.
        """
        extras = "; ".join(part for part in (self.unit, self.direction) if part)
        return f"{self.name} ({extras})" if extras else self.name


_H, _L = "higher", "lower"

DISPLAYS: dict[str, MetricDisplay] = {
    # Regression
    "mse_to_truth": MetricDisplay("MSE to the true function", worse=_H),
    "excess_risk": MetricDisplay("excess risk ‖ŵ \u2212 w*‖²", worse=_H),
    "downstream_excess_risk": MetricDisplay("downstream excess risk ‖ŵ \u2212 w*‖²", worse=_H),
    "parameter_risk": MetricDisplay("parameter risk (θ̂ \u2212 θ)²", worse=_H),
    # Gaussians, mixtures and densities: collapse shrinks the spread
    "variance": MetricDisplay("variance per dimension", worse=_L),
    "log_variance": MetricDisplay("log variance per dimension", worse=_L),
    "mean_error": MetricDisplay("distance of the fitted mean from the truth", worse=_H),
    "w2": MetricDisplay("2-Wasserstein distance to the truth", worse=_H),
    "kl": MetricDisplay("KL(truth ‖ model)", "nats", _H),
    "held_out_log_likelihood": MetricDisplay("held-out log-likelihood", "nats per item", _L),
    "tail_mass": MetricDisplay("mass outside the truth's 1\u201399% quantiles", worse=_L),
    "spread": MetricDisplay("variance per dimension", worse=_L),
    "component_spread": MetricDisplay("component variance per dimension", worse=_L),
    "component_sd": MetricDisplay("component standard deviation", worse=_L),
    "held_out_ll": MetricDisplay("held-out log-likelihood", "nats per item", _L),
    "minority_weight": MetricDisplay("mass in the minority region", worse=_L),
    "dispersion_ratio": MetricDisplay("dispersion ratio (model sd / world sd)", worse=_L),
    # Categorical distributions
    "support_size": MetricDisplay("categories with probability > 0", worse=_L),
    "entropy": MetricDisplay("entropy", "nats", _L),
    "gini_simpson": MetricDisplay("Gini\u2013Simpson index", worse=_L),
    "kl_to_truth": MetricDisplay("KL(model ‖ truth)", "nats", _H),
    "lost_mass": MetricDisplay("true mass of the lost categories", worse=_H),
    "rare_mass": MetricDisplay("model mass on the truth's rarest 10%", worse=_L),
    # Classifiers
    "accuracy": MetricDisplay("held-out accuracy", worse=_L),
    "label_entropy": MetricDisplay("entropy of the predicted labels", "nats", _L),
    "classes_predicted": MetricDisplay("classes still predicted", worse=_L),
    # Language models
    "held_out_perplexity": MetricDisplay("held-out perplexity", "per token", _H),
    "distinct_1": MetricDisplay("distinct-1", worse=_L),
    "distinct_2": MetricDisplay("distinct-2", worse=_L),
    "distinct_3": MetricDisplay("distinct-3", worse=_L),
    "vocabulary_size": MetricDisplay("vocabulary size", "tokens", _L),
    "unigram_entropy": MetricDisplay("unigram entropy", "bits", _L),
    "repetition_rate": MetricDisplay("repetition rate", worse=_H),
    "generated_ppl_mean": MetricDisplay("perplexity of the output, mean", "per token"),
    "generated_ppl_median": MetricDisplay("perplexity of the output, median", "per token"),
    "generated_ppl_q05": MetricDisplay("perplexity of the output, 5% quantile", "per token"),
    "generated_ppl_q95": MetricDisplay("perplexity of the output, 95% quantile", "per token"),
    "invented_word_share": MetricDisplay("share of invented words", worse=_H),
    "real_word_share": MetricDisplay("share of real words", worse=_L),
    "real_mass_common": MetricDisplay("output mass on common real words"),
    "real_mass_middle": MetricDisplay("output mass on mid-frequency real words"),
    "real_mass_rare": MetricDisplay("output mass on rare real words", worse=_L),
    "real_vocabulary_covered": MetricDisplay("real vocabulary covered", worse=_L),
    "real_vocabulary_covered_relative": MetricDisplay(
        "real vocabulary covered, relative to real text", worse=_L),
    "real_word_js_bits": MetricDisplay("JS divergence from the real words", "bits", _H),
    # Code
    "parse_rate": MetricDisplay("share of items that parse", worse=_L),
    "pass_rate": MetricDisplay("share that parse and invent nothing", worse=_L),
    "hallucinated_import_rate": MetricDisplay("hallucinated-import rate", worse=_H),
    "invented_attribute_rate": MetricDisplay("invented-attribute rate", worse=_H),
    "invented_keyword_rate": MetricDisplay("invented-keyword rate", worse=_H),
    "checked_line_share": MetricDisplay("share of lines checked"),
    "invented_packages": MetricDisplay("distinct invented packages", worse=_H),
    "invented_names": MetricDisplay("distinct invented names", worse=_H),
    "recurring_invented_share": MetricDisplay("share of invented names recurring", worse=_H),
    "squattable_names": MetricDisplay("squattable invented package names", worse=_H),
    "stale_name_rate": MetricDisplay("stale API-name rate", worse=_H),
    "contamination": MetricDisplay("model-written share of the training set"),
    # Package names
    "invented_name_rate": MetricDisplay("invented-name rate of published writes", worse=_H),
    "model_invented_rate": MetricDisplay("invented-name rate before the defences", worse=_H),
    "squatted_install_rate": MetricDisplay("share of installs on squatted names", worse=_H),
    "squatted_names": MetricDisplay("names squatted so far", worse=_H),
    "invented_names_known": MetricDisplay("invented names in the training set", worse=_H),
    "invented_name_age": MetricDisplay("age of invented names", "generations"),
    "invented_top10_share": MetricDisplay("share of the ten most common invented names"),
    "real_names_rejected": MetricDisplay("real names rejected by the defences", worse=_H),
    "real_packages_known": MetricDisplay("real packages in the training set", worse=_L),
    # Images
    "frechet_distance": MetricDisplay("Fréchet distance to real images", worse=_H),
    "precision": MetricDisplay("precision (realism)", worse=_L),
    "recall": MetricDisplay("recall (coverage)", worse=_L),
    "class_coverage": MetricDisplay("classes covered", worse=_L),
    "class_entropy": MetricDisplay("entropy of the classes drawn", "nats", _L),
    "latent_spread": MetricDisplay("latent spread", worse=_L),
    "held_out_elbo": MetricDisplay("held-out ELBO", "nats per image", _L),
}
"""Display entries by recorded metric name."""

HEADLINES: dict[str, str] = {
    "polynomial": "mse_to_truth",
    "sklearn-regressor": "mse_to_truth",
    "distillation": "mse_to_truth",
    "linear": "excess_risk",
    "exponential-family": "parameter_risk",
    "gaussian": "variance",
    "categorical": "rare_mass",
    "gmm": "component_sd",
    "kde": "spread",
    "classifier": "accuracy",
    "ngram": "held_out_perplexity",
    "transformer": "held_out_perplexity",
    "hf": "held_out_perplexity",
    "package-writer": "invented_name_rate",
    "vae": "frechet_distance",
}
"""The metric a report leads with, by model (registry name)."""

_COEFFICIENT = re.compile(r"^coef_(\d+)$")


def register_display(metric: str, display_entry: MetricDisplay) -> MetricDisplay:
    """Declare how ``metric`` is shown.

    Raises
    ------
    ValueError
        If ``metric`` already has an entry.
    """
    if metric in DISPLAYS:
        raise ValueError(f"metric {metric!r} already has a display entry")
    DISPLAYS[metric] = display_entry
    return display_entry


def register_headline(model: str, metric: str) -> None:
    """Declare ``metric`` the headline of runs whose model is ``model``.

    Raises
    ------
    ValueError
        If ``model`` already has a headline.
    """
    if model in HEADLINES:
        raise ValueError(f"model {model!r} already has a headline metric "
                         f"({HEADLINES[model]!r})")
    HEADLINES[model] = metric


def display(metric: str) -> MetricDisplay:
    """The display entry of ``metric``: registered, or made from its id."""
    if metric in DISPLAYS:
        return DISPLAYS[metric]
    match = _COEFFICIENT.match(metric)
    if match:
        return MetricDisplay(f"coefficient {match.group(1)}")
    return MetricDisplay(metric.replace("_", " "))


def headline_metric(model: str, recorded: list[str], listed: list[str] = ()) -> str:
    """The metric to lead with among those ``recorded``.

    Parameters
    ----------
    model : str
        The model's registry name.
    recorded : list of str
        Metric names the run recorded, in display order; not empty.
    listed : list of str
        Metric names the experiment file listed, in its order.

    Returns
    -------
    str
        The family's headline if recorded; else the first listed name that was
        recorded; else the first recorded name that is no coefficient.
    """
    declared = HEADLINES.get(model)
    if declared in recorded:
        return declared
    chosen = next((name for name in listed if name in recorded), None)
    return chosen or next((m for m in recorded if not _COEFFICIENT.match(m)), recorded[0])

"""Image worlds, the VAE family and the metrics that read generated images.

The VAE is a lazy entry: PyTorch is imported only when an experiment names it,
so registering costs nothing.
"""

from __future__ import annotations

from modelcollapse.experiment.registry import metrics, models, worlds
from modelcollapse.metrics.images import (
    GeneratedImageMetrics,
    HeldOutELBO,
    LatentSD,
    LatentSpread,
)
from modelcollapse.worlds.images import digits_images, fashion_mnist

worlds.register("digits-images")(digits_images)
worlds.register("fashion-mnist")(fashion_mnist)

metrics.register("image_features")(GeneratedImageMetrics)
metrics.register("latent_spread")(LatentSpread)
metrics.register("latent_sd")(LatentSD)
metrics.register("held_out_elbo")(HeldOutELBO)


models.add("vae", "modelcollapse.models.vae:VAE",
           example={"world": "digits-images", "samples": 100, "model": {"epochs": 2}},
           metrics=["image_features", "latent_spread", "held_out_elbo"])

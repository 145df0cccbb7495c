"""Images: digits and Fashion-MNIST, a convolutional VAE, and its stacked replicates.

The VAE is a lazy entry: PyTorch is imported only when an experiment names
it, so registering the family costs nothing.
"""

from __future__ import annotations

from modelcollapse.core import registry
from modelcollapse.families.images.metrics import (
           GeneratedImageMetrics,
           HeldOutELBO,
           LatentSD,
           LatentSpread,
)
from modelcollapse.families.images.world import digits_images, fashion_mnist

registry.worlds.register("digits-images")(digits_images)
registry.worlds.register("fashion-mnist")(fashion_mnist)

registry.metrics.register("image_features")(GeneratedImageMetrics)
registry.metrics.register("latent_spread")(LatentSpread)
registry.metrics.register("latent_sd")(LatentSD)
registry.metrics.register("held_out_elbo")(HeldOutELBO)


registry.models.add("vae", "modelcollapse.families.images.vae:VAE",
                    example={"world": "digits-images", "samples": 100, "model": {"epochs": 2}},
                    metrics=["image_features", "latent_spread", "held_out_elbo"])

"""Image worlds, the VAE family and the metrics that read generated images.

PyTorch is imported only when a VAE is built, so registering costs nothing.
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

DEFAULT_METRICS = {
    "vae": ["image_features", "latent_spread", "held_out_elbo"],
}
"""Metrics measured when an experiment names none, by model."""

worlds.register("digits-images")(digits_images)
worlds.register("fashion-mnist")(fashion_mnist)

metrics.register("image_features")(GeneratedImageMetrics)
metrics.register("latent_spread")(LatentSpread)
metrics.register("latent_sd")(LatentSD)
metrics.register("held_out_elbo")(HeldOutELBO)


@models.register("vae", example={"world": "digits-images", "samples": 100,
                                  "model": {"epochs": 2}})
def _vae(latent_dim: int = 8, width: int | None = None, likelihood: str = "bernoulli",
         epochs: int = 50, batch_size: int = 100, learning_rate: float = 2e-3,
         output: str = "mean", device: str = "cpu", threads: int | None = 1,
         stack_replicates: bool | None = None):
    """A VAE on the world's images (MLP encoder and decoder; PyTorch)."""
    from modelcollapse.models.vae import VAE

    return VAE(latent_dim=latent_dim, width=width, likelihood=likelihood, epochs=epochs,
               batch_size=batch_size, learning_rate=learning_rate, output=output,
               device=device, threads=threads, stack_replicates=stack_replicates)

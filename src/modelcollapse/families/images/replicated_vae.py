"""R VAE replicates trained and written as one batched program.

The VAE of :mod:`.vae` is a small MLP: one replicate leaves a GPU idle while
Python launches its kernels. :class:`StackedVAENetwork` holds R networks of one
shape with a leading replicate axis, so each layer is one ``baddbmm``.

Nothing about a replicate changes by being stacked. :func:`fit_together`
draws each replicate's starting weights, epoch orders and reparameterisation
noise from that replicate's own generator, in the order ``VAE.fit`` draws
them; Adam works element by element and each replicate's loss is its own
mean, so the trained networks equal one-by-one training up to floating-point
summation order. :func:`write_together` draws each replicate's latents and
pixels from its own generator as ``VAE.sample`` does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from modelcollapse.core.data import Dataset
from modelcollapse.core.model import DegenerateFitError
from modelcollapse.families.images.vae import _BATCH, MIN_LOG_SCALE, VAE, VAENetwork
from modelcollapse.families.images.world import as_images
from modelcollapse.neural.runtime import (
    DivergedError,
    cpu_threads,
    resolve_device,
    to_numpy,
    torch_generator,
)

__all__ = ["StackedVAENetwork", "fit_together", "write_together"]

class StackedVAENetwork(nn.Module):
    """R :class:`VAENetwork` of one shape, weights stacked on a leading replicate axis.

    Parameters
    ----------
    networks : sequence of VAENetwork
        The replicates (their weights are copied).
    """

    def __init__(self, networks: Sequence[VAENetwork]):
        super().__init__()
        self.R = len(networks)
        self.latent_dim = networks[0].latent_dim
        self.gaussian = networks[0].log_scale is not None
        states = [net.state_dict() for net in networks]
        self.weights = nn.ParameterDict({
            name.replace(".", "_"): nn.Parameter(torch.stack([s[name] for s in states]).clone())
            for name in states[0]})

    def _linear(self, x: torch.Tensor, layer: str) -> torch.Tensor:
        """Each replicate's own ``nn.Linear``: x (R, B, in) -> (R, B, out)."""
        key = layer.replace(".", "_")
        weight, bias = self.weights[f"{key}_weight"], self.weights[f"{key}_bias"]
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior means and log-variances, each (R, B, latent_dim)."""
        hidden = F.relu(self._linear(x, "encoder.0"))
        return self._linear(hidden, "encoder.2").chunk(2, dim=2)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder outputs before the link, (R, B, D)."""
        return self._linear(F.relu(self._linear(z, "decoder.0")), "decoder.2")

    def log_scales(self) -> torch.Tensor:
        """The Gaussian decoders' floored log-scales, (R, 1, 1)."""
        return self.weights["log_scale"].clamp(min=MIN_LOG_SCALE).view(-1, 1, 1)

    def negative_elbo(self, x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """−ELBO per image (R, B) for images x (R, B, D) and standard normal noise (R, B, L)."""
        mean, log_variance = self.encode(x)
        out = self.decode(mean + (0.5 * log_variance).exp() * noise)
        if not self.gaussian:
            reconstruction = F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(2)
        else:
            log_scale = self.log_scales()
            residual = (x - torch.sigmoid(out)) / log_scale.exp()
            reconstruction = (0.5 * residual**2 + log_scale
                              + 0.5 * math.log(2 * math.pi)).sum(dim=2)
        kl = 0.5 * (mean**2 + log_variance.exp() - 1.0 - log_variance).sum(dim=2)
        return reconstruction + kl

    def unstack(self, template: VAE, device: torch.device) -> list[VAENetwork]:
        """The replicates as separate :class:`VAENetwork` (copies)."""
        networks = []
        for r in range(self.R):
            network = template._network(device)
            network.load_state_dict({key: self.weights[key.replace(".", "_")][r].detach()
                                     for key in network.state_dict()})
            networks.append(network.eval())
        return networks


def fit_together(model: VAE, datasets: Sequence[Dataset], rngs: Sequence[np.random.Generator],
                 *, stacked: bool | None = None) -> list[VAE]:
    """Train one copy of ``model`` per dataset, all at once; return the fitted copies.

    Replicate ``r`` draws everything from ``rngs[r]`` as
    ``model.clone().fit(datasets[r], rng=rngs[r])`` would. The datasets must
    hold the same number of images.

    Parameters
    ----------
    model : VAE
        Unfitted, with its image shape.
    datasets : sequence of Dataset
    rngs : sequence of numpy.random.Generator
    stacked : bool or None, default None
        True (and None) trains one :class:`StackedVAENetwork`; False fits the
        copies in turn. Unlike the transformer's, the VAE's replicates stack on
        a CPU too: there it measured 2x one by one
        (``benchmarks/bench_replicates.py``), the networks being too small to
        keep a core busy alone.

    Raises
    ------
    ValueError
        For datasets of different sizes, or as :meth:`VAE.fit` does.
    DegenerateFitError
        When a dataset is empty.
    DivergedError
        When any replicate's loss becomes NaN or infinite (the chain then refits
        the replicates alone to find which).
    """
    if len(datasets) != len(rngs) or not datasets:
        raise ValueError(f"need one stream per dataset, got {len(datasets)} datasets and "
                         f"{len(rngs)} streams")
    images = [as_images(data.X, model._shape(), what="training images") for data in datasets]
    sizes = {len(x) for x in images}
    if 0 in sizes:
        raise DegenerateFitError("no training images left (a filter dropped them all)")
    if len(sizes) > 1:
        raise ValueError(f"replicates trained together need training sets of one size, got "
                         f"{sorted(sizes)}: train them one by one")
    device = resolve_device(model.device)
    if stacked is False:
        return [model.clone().fit(data, rng=rng) for data, rng in zip(datasets, rngs,
                                                                      strict=True)]
    generators = [torch_generator(rng, device) for rng in rngs]
    fitted = [model.clone() for _ in datasets]
    with cpu_threads(model.threads):
        networks = [model._network(device).initialise(g) for g in generators]
        net = StackedVAENetwork(networks).to(device)
        x = torch.from_numpy(np.stack(images)).to(device)  # (R, n, D)
        history = _train(net, x, generators, epochs=model.epochs,
                         batch_size=model.batch_size, learning_rate=model.learning_rate)
        for r, network in enumerate(net.unstack(model, device)):
            fitted[r].network_ = network
            fitted[r].loss_history_ = history[:, r]
    return fitted


def _train(net: StackedVAENetwork, x: torch.Tensor, generators: list[torch.Generator], *,
           epochs: int, batch_size: int, learning_rate: float) -> np.ndarray:
    """Adam on every replicate's ELBO at once; the mean −ELBO per image, (epochs, R)."""
    optimiser = torch.optim.Adam(net.parameters(), lr=learning_rate)
    R, n, _ = x.shape
    rows = torch.arange(R, device=x.device).unsqueeze(1)
    history = np.empty((epochs, R))
    net.train()
    for epoch in range(epochs):
        orders = torch.stack([torch.randperm(n, generator=g, device=x.device)
                              for g in generators])                        # (R, n)
        total = torch.zeros(R, device=x.device)
        for start in range(0, n, batch_size):
            batch = x[rows, orders[:, start:start + batch_size]]           # (R, B, D)
            noise = torch.stack([torch.randn((batch.shape[1], net.latent_dim), generator=g,
                                             device=x.device) for g in generators])
            losses = net.negative_elbo(batch, noise).mean(dim=1)            # (R,)
            optimiser.zero_grad(set_to_none=True)
            losses.sum().backward()  # each replicate's gradient is its own mean's
            optimiser.step()
            total += losses.detach() * batch.shape[1]
        history[epoch] = to_numpy(total) / n
        if not np.isfinite(history[epoch]).all():
            raise DivergedError(f"a VAE replicate's training loss became non-finite in epoch "
                                f"{epoch + 1}: lower learning_rate")
    if not all(bool(torch.isfinite(w).all()) for w in net.parameters()):
        raise DivergedError("a VAE replicate's weights became non-finite in its last training "
                            "step: lower learning_rate")
    return history


@torch.no_grad()
def write_together(models: Sequence[VAE], n: int, *, rngs: Sequence[np.random.Generator],
                   X=None, stacked: bool | None = None) -> list[Dataset]:
    """``n`` images from each fitted model, all decoded together.

    Model ``r`` draws from ``rngs[r]`` exactly what ``models[r].sample(n, rng=rngs[r])``
    would. ``X`` is unused (the VAE writes unconditionally); ``stacked`` as in
    :func:`fit_together`.
    """
    first = models[0]
    device = next(first.network_.parameters()).device
    if stacked is False:
        return [m.sample(n, rng=rng) for m, rng in zip(models, rngs, strict=True)]
    net = StackedVAENetwork([m.network_ for m in models]).to(device).eval()
    generators = [torch_generator(rng, device) for rng in rngs]
    parts = []
    with cpu_threads(first.threads):
        for start in range(0, n, _BATCH):
            size = min(_BATCH, n - start)
            z = torch.stack([torch.randn((size, first.latent_dim), generator=g, device=device)
                             for g in generators])
            mean = torch.sigmoid(net.decode(z))                             # (R, size, D)
            if first.output == "sample" and not net.gaussian:
                mean = torch.stack([torch.bernoulli(m, generator=g)
                                    for m, g in zip(mean, generators, strict=True)])
            elif first.output == "sample":
                noise = torch.stack([torch.randn(m.shape, generator=g, device=device)
                                     for m, g in zip(mean, generators, strict=True)])
                mean = (mean + net.log_scales().exp() * noise).clamp(0.0, 1.0)
            parts.append(to_numpy(mean))
    images = (np.concatenate(parts, axis=1) if parts
              else np.zeros((len(models), 0, first.n_pixels), np.float32))
    return [Dataset.synthetic(x, None, 1) for x in images]

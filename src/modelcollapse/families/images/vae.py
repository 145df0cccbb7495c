"""A variational autoencoder on flattened images (PyTorch), refitted on its own samples.

The network is Kingma & Welling's MLP: encoder ``D → width → (μ, log σ²)`` of
the latent, decoder ``latent → width → D``, ReLU between. The decoder is
Bernoulli (pixel logits; the usual choice for grey levels in [0, 1], read as
a continuous target) or Gaussian (sigmoid mean, one learned scale). Training
maximises the ELBO with Adam on minibatches. Every random number (weights,
minibatch order, reparameterisation noise, samples) comes from a
``torch.Generator`` seeded from the chain's stream; the global torch seed is
never touched.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields, replace

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.model import NOT_A_SETTING, DegenerateFitError, Model
from modelcollapse.families.images.world import as_images
from modelcollapse.neural.runtime import (
    DivergedError,
    check_device_name,
    cpu_threads,
    resolve_device,
    to_numpy,
    torch_generator,
)

try:
    import torch
    from torch import nn
except ImportError as missing:  # torch is the optional [torch] extra
    raise ImportError("the VAE needs PyTorch: pip install 'modelcollapse[torch]'") from missing

__all__ = ["VAE", "DivergedError", "VAENetwork", "default_width", "negative_elbo"]

LIKELIHOODS = ("bernoulli", "gaussian")
OUTPUTS = ("mean", "sample")

MIN_LOG_SCALE = math.log(1e-3)
"""Floor of the Gaussian decoder's log-scale: constant pixels (digit borders) would drive it
to minus infinity."""

_BATCH = 4096
"""Images per forward pass when encoding, decoding or scoring without gradients."""



def default_width(n_pixels: int) -> int:
    """Hidden width for images of ``n_pixels``: 128 for 8×8 digits, 392 for 28×28 images."""
    return int(np.clip(n_pixels // 2, 128, 512))


class VAENetwork(nn.Module):
    """Encoder and decoder MLPs (weights uninitialised: :meth:`initialise` fills them).

    Parameters
    ----------
    n_pixels, width, latent_dim : int
    gaussian : bool
        Give the decoder a learned log-scale (Gaussian likelihood).
    device : torch.device
    """

    def __init__(self, n_pixels: int, width: int, latent_dim: int, gaussian: bool,
                 device) -> None:
        super().__init__()
        # skip_init: building layers must not draw from torch's global generator.
        def linear(n_in, n_out):
            return nn.utils.skip_init(nn.Linear, n_in, n_out, device=device)

        self.encoder = nn.Sequential(linear(n_pixels, width), nn.ReLU(),
                                     linear(width, 2 * latent_dim))
        self.decoder = nn.Sequential(linear(latent_dim, width), nn.ReLU(),
                                     linear(width, n_pixels))
        self.log_scale = nn.Parameter(torch.zeros((), device=device)) if gaussian else None
        self.latent_dim = latent_dim

    def initialise(self, generator: torch.Generator) -> VAENetwork:
        """PyTorch's default Linear init, U(±1/√fan_in), drawn from ``generator``."""
        with torch.no_grad():
            for layer in self.modules():
                if isinstance(layer, nn.Linear):
                    bound = 1.0 / math.sqrt(layer.in_features)
                    layer.weight.uniform_(-bound, bound, generator=generator)
                    layer.bias.uniform_(-bound, bound, generator=generator)
        return self

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and log-variance, each (B, latent_dim)."""
        mean, log_variance = self.encoder(x).chunk(2, dim=1)
        return mean, log_variance

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder output before the link: logits (Bernoulli) or pre-sigmoid means, (B, D)."""
        return self.decoder(z)

    def scale(self) -> torch.Tensor:
        """The Gaussian decoder's σ (floored)."""
        return self.log_scale.clamp(min=MIN_LOG_SCALE).exp()


def negative_elbo(network: VAENetwork, x: torch.Tensor,
                  generator: torch.Generator) -> torch.Tensor:
    """One-draw estimate of −ELBO per image (nats), shape (B,)."""
    mean, log_variance = network.encode(x)                      # (B, L) each
    noise = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
    z = mean + (0.5 * log_variance).exp() * noise               # reparameterisation
    out = network.decode(z)                                     # (B, D)
    if network.log_scale is None:
        reconstruction = nn.functional.binary_cross_entropy_with_logits(
            out, x, reduction="none").sum(dim=1)
    else:
        log_scale = network.log_scale.clamp(min=MIN_LOG_SCALE)
        residual = (x - torch.sigmoid(out)) / log_scale.exp()
        reconstruction = (0.5 * residual**2 + log_scale + 0.5 * math.log(2 * math.pi)).sum(dim=1)
    kl = 0.5 * (mean**2 + log_variance.exp() - 1.0 - log_variance).sum(dim=1)
    return reconstruction + kl


@dataclass
class VAE(Model):
    """A VAE on images; each generation trains a fresh network on its training set.

    Parameters
    ----------
    latent_dim : int, default 8
        Dimension of the N(0, I) latent.
    width : int or None, default None
        Hidden units of encoder and decoder; ``None`` sizes it from the image
        (:func:`default_width`).
    likelihood : {"bernoulli", "gaussian"}, default "bernoulli"
        Decoder likelihood of the pixels.
    epochs : int, default 50
        Passes over the training set. Fewer leave the VAE undertrained: it
        then ignores its latent and decodes one blurred mean image.
    batch_size : int, default 100
    learning_rate : float, default 2e-3
        Adam's step size.
    output : {"mean", "sample"}, default "mean"
        What :meth:`sample` returns for each decoded latent: the decoder mean
        (the usual "image" of a VAE, grey levels in [0, 1]), or pixels drawn
        from the decoder (binary for Bernoulli, noisy and clipped for Gaussian).
    device : {"cpu", "cuda", "auto"} or "cuda:N", default "cpu"
        ``"auto"`` takes CUDA when present.
    threads : int or None, default 1
        CPU threads torch may use while this model works (restored after);
        ``None`` leaves torch's setting. One is fastest for networks this
        small, and right when the runner's workers already fill the cores:
        several threads per worker on a busy machine ran 30× slower here.
    image_shape : tuple of int or None
        (H, W); :meth:`for_world` sets it from the world.
    stack_replicates : bool or None, default None
        How a chain's replicates are fitted and written together
        (:mod:`~modelcollapse.families.images.replicated_vae`): True or None as one
        stacked network (faster on CPUs and GPUs alike), False one after
        another. The rows are the same either way up to floating-point rounding.

    Attributes
    ----------
    network_ : VAENetwork
        The trained network.
    loss_history_ : ndarray of shape (epochs,)
        Mean −ELBO per training image in each epoch.
    """

    latent_dim: int = 8
    width: int | None = None
    likelihood: str = "bernoulli"
    epochs: int = 50
    batch_size: int = 100
    learning_rate: float = 2e-3
    output: str = "mean"
    device: str = "cpu"
    threads: int | None = 1
    image_shape: tuple[int, int] | None = field(default=None,  # from the world
                                                metadata=NOT_A_SETTING)
    stack_replicates: bool | None = None
    network_: VAENetwork = field(init=False, repr=False, compare=False)
    loss_history_: np.ndarray = field(init=False, repr=False, compare=False)

    conditional = False

    def __post_init__(self) -> None:
        for name in ("latent_dim", "epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        for name in ("width", "threads"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or int(value) != value
                                      or value < 1):
                raise ValueError(f"{name} must be an integer >= 1 or None, got {value!r}")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a finite number > 0, got {self.learning_rate}")
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be 'bernoulli' or 'gaussian', got "
                             f"{self.likelihood!r}")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be 'mean' or 'sample', got {self.output!r}")
        check_device_name(self.device)
        if str(self.device).startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"device={self.device!r} but PyTorch sees no CUDA device here: use "
                             "device='cpu', or 'auto' to take a GPU only when there is one")
        if self.image_shape is not None:
            self.image_shape = tuple(int(s) for s in self.image_shape)
            if len(self.image_shape) != 2 or min(self.image_shape) < 1:
                raise ValueError(f"image_shape must be (height, width), got {self.image_shape}")

    # -- construction -----------------------------------------------------------------------

    def for_world(self, world) -> VAE:
        """A copy that takes its image shape from an image world."""
        shape = getattr(world, "image_shape", None)
        if shape is None:
            raise ValueError(f"the VAE needs an image world (digits-images, fashion-mnist), got "
                             f"a {type(world).__name__}")
        if self.image_shape is not None and tuple(self.image_shape) != tuple(shape):
            raise ValueError(f"the VAE was set up for {self.image_shape} images but the world's "
                             f"are {tuple(shape)}: drop image_shape and let the world set it")
        return replace(self, image_shape=tuple(shape))

    def _shape(self) -> tuple[int, int]:
        if self.image_shape is None:
            raise ValueError("the VAE has no image shape yet: give image_shape=(H, W) or build "
                             "the chain with an image world")
        return self.image_shape

    @property
    def n_pixels(self) -> int:
        """H·W."""
        height, width = self._shape()
        return height * width

    def _network(self, device: torch.device) -> VAENetwork:
        width = self.width or default_width(self.n_pixels)
        return VAENetwork(self.n_pixels, width, self.latent_dim,
                          self.likelihood == "gaussian", device)

    # -- fitting ----------------------------------------------------------------------------

    def fit(self, data: Dataset, *, rng: np.random.Generator) -> VAE:
        """Train a fresh network on ``data.X`` (flattened images in [0, 1]).

        Raises
        ------
        ValueError
            For images of the wrong shape or range.
        DegenerateFitError
            With no images to train on.
        DivergedError
            When the loss becomes NaN or infinite.
        """
        images = as_images(data.X, self._shape(), what="training images")
        if len(images) == 0:
            raise DegenerateFitError("no training images left (a filter dropped them all)")
        device = resolve_device(self.device)
        generator = torch_generator(rng, device)
        with cpu_threads(self.threads):
            network = self._network(device).initialise(generator)
            self.loss_history_ = train(network, torch.from_numpy(images).to(device), generator,
                                       epochs=self.epochs, batch_size=self.batch_size,
                                       learning_rate=self.learning_rate)
        self.network_ = network.eval()
        return self

    def fit_together(self, datasets: list[Dataset],
                     rngs: list[np.random.Generator]) -> list[VAE]:
        """One fitted copy per dataset, trained together (:mod:`.replicated_vae`)."""
        from modelcollapse.families.images.replicated_vae import fit_together

        return fit_together(self, datasets, rngs, stacked=self.stack_replicates)

    def write_together(self, models: list[VAE], n: int, *, rngs: list[np.random.Generator],
                       X=None) -> list[Dataset]:
        """``n`` images from each of ``models``, decoded together (:mod:`.replicated_vae`)."""
        from modelcollapse.families.images.replicated_vae import write_together

        return write_together(models, n, rngs=rngs, stacked=self.stack_replicates)

    # -- using a fitted model ---------------------------------------------------------------

    def sample(self, n: int, *, rng: np.random.Generator, X=None) -> Dataset:
        """Decode ``n`` latents drawn from N(0, I); see ``output`` for what is returned.

        Returns
        -------
        Dataset
            ``X`` of shape (n, H·W), float32 in [0, 1]; ``y`` is ``None``.
        """
        network = self.network_
        device = next(network.parameters()).device
        generator = torch_generator(rng, device)
        parts = []
        with torch.no_grad(), cpu_threads(self.threads):
            for start in range(0, n, _BATCH):
                size = min(_BATCH, n - start)
                z = torch.randn((size, self.latent_dim), generator=generator, device=device)
                mean = torch.sigmoid(network.decode(z))           # (size, D)
                if self.output == "sample" and network.log_scale is None:
                    mean = torch.bernoulli(mean, generator=generator)
                elif self.output == "sample":
                    noise = torch.randn(mean.shape, generator=generator, device=device)
                    mean = (mean + network.scale() * noise).clamp(0.0, 1.0)
                parts.append(to_numpy(mean))
        images = np.concatenate(parts) if parts else np.zeros((0, self.n_pixels), np.float32)
        return Dataset.synthetic(images, None, 1)

    def _batches(self, images):
        images = as_images(images, self._shape(), what="images")
        device = next(self.network_.parameters()).device
        for start in range(0, len(images), _BATCH):
            yield torch.from_numpy(images[start:start + _BATCH]).to(device)

    def encode(self, images) -> np.ndarray:
        """Posterior means of the latents, shape (n, latent_dim)."""
        with torch.no_grad(), cpu_threads(self.threads):
            parts = [to_numpy(self.network_.encode(x)[0]) for x in self._batches(images)]
        return np.concatenate(parts) if parts else np.zeros((0, self.latent_dim), np.float32)

    def elbo(self, images, *, rng: np.random.Generator) -> np.ndarray:
        """One-draw ELBO of each image (nats; higher is better), shape (n,).

        For the Bernoulli decoder and grey-level pixels this is the usual
        cross-entropy bound, not the log-likelihood of a normalised density.
        """
        device = next(self.network_.parameters()).device
        generator = torch_generator(rng, device)
        with torch.no_grad(), cpu_threads(self.threads):
            parts = [-to_numpy(negative_elbo(self.network_, x, generator))
                     for x in self._batches(images)]
        return np.concatenate(parts).astype(float) if parts else np.zeros(0)

    # -- checkpoints ------------------------------------------------------------------------

    def save(self, path) -> None:
        """Write the trained weights and the settings as one safetensors file."""
        from safetensors.torch import save_file

        settings = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        state = {k: v.detach().cpu().contiguous() for k, v in self.network_.state_dict().items()}
        save_file(state, str(path), metadata={"modelcollapse.vae": json.dumps(settings)})

    @classmethod
    def load(cls, path, *, device: str = "cpu") -> VAE:
        """Read a model written by :meth:`save` (tensors only: no code is unpickled)."""
        from safetensors import safe_open
        from safetensors.torch import load_file

        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        if "modelcollapse.vae" not in metadata:
            raise ValueError(f"{path} is not a VAE checkpoint written by VAE.save")
        settings = json.loads(metadata["modelcollapse.vae"]) | {"device": device}
        model = cls(**settings)
        network = model._network(resolve_device(device))
        network.load_state_dict(load_file(str(path), device=str(resolve_device(device))))
        model.network_ = network.eval()
        model.loss_history_ = np.zeros(0)
        return model


def train(network: VAENetwork, images: torch.Tensor, generator: torch.Generator, *,
          epochs: int, batch_size: int, learning_rate: float) -> np.ndarray:
    """Maximise the ELBO with Adam; return the mean −ELBO per image of each epoch.

    Raises
    ------
    DivergedError
        When an epoch's loss is NaN or infinite.
    """
    optimiser = torch.optim.Adam(network.parameters(), lr=learning_rate)
    n = len(images)
    history = np.empty(epochs)
    sizes = torch.full(((n + batch_size - 1) // batch_size,), float(batch_size),
                       device=images.device)
    sizes[-1] = n - batch_size * (len(sizes) - 1)  # the last batch may be short
    network.train()
    for epoch in range(epochs):
        order = torch.randperm(n, generator=generator, device=images.device)
        losses = []
        for start in range(0, n, batch_size):
            batch = images[order[start:start + batch_size]]        # (B, D)
            loss = negative_elbo(network, batch, generator).mean()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            losses.append(loss.detach())
        # One check per epoch: a NaN anywhere poisons every later batch, so none is missed,
        # and the loop avoids a device sync per step.
        history[epoch] = float(torch.stack(losses) @ sizes) / n
        if not math.isfinite(history[epoch]):
            raise DivergedError(f"the VAE's training loss became {history[epoch]} in epoch "
                                f"{epoch + 1}: lower learning_rate")
    # The last step can still blow the weights up after a finite loss.
    if not all(bool(torch.isfinite(p).all()) for p in network.parameters()):
        raise DivergedError("the VAE's weights became non-finite in its last training step: "
                            "lower learning_rate")
    return history

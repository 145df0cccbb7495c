"""Tensors leave torch only through ``to_numpy``: the guard that keeps the families right on CUDA.

On a GPU, ``tensor.numpy()``, ``np.asarray(tensor)`` and ``array[...] = tensor``
fail (numpy reads host memory only); on the CPU they work, so a CPU test suite
never notices them. Two checks catch them without a GPU:

- a static one: no ``.numpy()`` call in the package or the benchmarks outside
  ``neural/runtime.py``;
- a dynamic one: every torch family runs end to end (fit, score, write,
  encode, the language-model metrics, replicates together) while
  ``Tensor.numpy`` is allowed only inside ``to_numpy`` and ``Tensor.__array__``
  (what numpy calls to read a tensor) always raises — the CPU made to refuse
  exactly what CUDA refuses.
"""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from modelcollapse.core.metric import MeasureContext  # noqa: E402
from modelcollapse.neural import runtime as torch_runtime  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_no_numpy_call_on_a_tensor_outside_to_numpy():
    allowed = ROOT / "src" / "modelcollapse" / "neural" / "runtime.py"
    found = []
    for folder in (ROOT / "src", ROOT / "benchmarks"):
        for path in folder.rglob("*.py"):
            if path == allowed:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if re.search(r"\.numpy\(\)", line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "use neural.runtime.to_numpy instead:\n" + "\n".join(found)


class CrossedToNumpy(AssertionError):
    pass


@pytest.fixture
def cuda_like(monkeypatch):
    """Make CPU tensors refuse numpy as CUDA tensors do, except inside ``to_numpy``."""
    real_numpy = torch.Tensor.numpy

    def numpy_only_in_to_numpy(self, *args, **kwargs):
        if sys._getframe(1).f_code is not torch_runtime.to_numpy.__code__:
            raise CrossedToNumpy("Tensor.numpy() outside to_numpy")
        return real_numpy(self, *args, **kwargs)

    def no_array(self, *args, **kwargs):
        raise CrossedToNumpy("numpy read a tensor directly (np.asarray or array[...] = tensor)")

    monkeypatch.setattr(torch.Tensor, "numpy", numpy_only_in_to_numpy)
    monkeypatch.setattr(torch.Tensor, "__array__", no_array)


def test_the_guard_catches_both_kinds_of_crossing(cuda_like):
    tensor = torch.ones(3)
    with pytest.raises(CrossedToNumpy):
        tensor.numpy()
    with pytest.raises(CrossedToNumpy):
        np.empty(3)[:] = tensor
    assert torch_runtime.to_numpy(tensor).tolist() == [1.0, 1.0, 1.0]


def test_the_transformer_and_its_metrics_cross_only_through_to_numpy(cuda_like):
    from modelcollapse.families.language.metrics import GeneratedText, HeldOutPerplexity
    from modelcollapse.families.language.replicated import fit_together, write_together
    from modelcollapse.families.language.transformer import TransformerLM
    from modelcollapse.families.language.world import text_world

    world = text_world("shakespeare", "char", block_size=12, prompt_size=4, max_chars=30_000)
    rng = np.random.default_rng(0)
    data = world.sample(24, rng=rng)
    for conditional in (False, True):
        model = TransformerLM(n_layer=1, n_head=2, n_embd=8, steps=3, batch_size=4,
                              conditional=conditional).for_world(world)
        fitted = model.fit(data, rng=rng)
        fitted.log_prob(data.X[:3])
        prompts = world.draw_inputs(3, rng=rng) if conditional else None
        fitted.sample(3, rng=rng, X=prompts)
        for metric in (HeldOutPerplexity(max_blocks=8), GeneratedText(n_sequences=4)):
            if isinstance(metric, GeneratedText):
                metric.measure(fitted, world, MeasureContext(rng=rng))
            else:
                metric.measure(fitted, world)
    together = fit_together(model.clone(), [data, data], [rng, rng], stacked=True)
    write_together(together, 2, rngs=[rng, rng], stacked=True,
                   X=np.stack([world.draw_inputs(2, rng=rng)] * 2))


def test_the_vae_crosses_only_through_to_numpy(cuda_like):
    from modelcollapse.families.images.vae import VAE
    from modelcollapse.families.images.world import digits_images

    world = digits_images()
    rng = np.random.default_rng(0)
    images = world.sample(40, rng=rng)
    model = VAE(epochs=1, latent_dim=2, width=16, batch_size=20).for_world(world)
    fitted = model.fit(images, rng=rng)
    fitted.sample(5, rng=rng)
    fitted.encode(images.X[:5])
    fitted.elbo(images.X[:5], rng=rng)
    from modelcollapse.families.images.replicated_vae import fit_together, write_together

    together = fit_together(model, [images, images], [rng, rng], stacked=True)
    write_together(together, 3, rngs=[rng, rng], stacked=True)


def test_the_hugging_face_family_crosses_only_through_to_numpy(cuda_like, tmp_path):
    pytest.importorskip("transformers")
    from modelcollapse.families.language.hf import HFCausalLM, build_tiny_checkpoint
    from modelcollapse.families.language.world import text_world
    from modelcollapse.text.corpora import load_corpus

    text = load_corpus("shakespeare", 20_000).text
    checkpoint = build_tiny_checkpoint(tmp_path / "tiny", text, vocab_size=280, n_embd=16,
                                       pretrain_steps=2)
    world = text_world("shakespeare", f"hf:{checkpoint}", block_size=8, prompt_size=4,
                       max_chars=20_000)
    rng = np.random.default_rng(0)
    model = HFCausalLM(str(checkpoint), steps=2, batch_size=4).for_world(world)
    fitted = model.fit(world.sample(16, rng=rng), rng=rng)
    fitted.log_prob(world.sample(2, rng=rng).X)
    fitted.sample(2, rng=rng, X=world.draw_inputs(2, rng=rng))

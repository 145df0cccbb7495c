"""``modelcollapse sample``: load one generation's kept language model and let it write."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelcollapse.cli.console import handle_errors
from modelcollapse.core.errors import UsageError

MAX_TEXTS = 1000
"""Most texts one call writes: each is a block of the run's world."""


@handle_errors
def sample(
    run: Annotated[Path, typer.Argument(help="Run directory made with keep_weights = true.")],
    generation: Annotated[int, typer.Option(help="The generation whose model writes.")],
    point: Annotated[int, typer.Option(help="The sweep point (see modelcollapse query).")] = 0,
    replicate: Annotated[int, typer.Option(
        help="The replicate (only replicate 0 keeps its weights).")] = 0,
    prompt: Annotated[str, typer.Option(help="Text for the model to continue.")] = "",
    n: Annotated[int, typer.Option("--n", help="How many texts to write.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the writing's random stream.")] = 0,
    device: Annotated[str, typer.Option(help="Where the model runs: cpu, cuda or auto.")] = "cpu",
) -> None:
    """Let generation GENERATION of RUN's language model write N texts, after PROMPT if given."""
    import numpy as np

    from modelcollapse.experiment.runner import load_model
    from modelcollapse.neural.checkpoints import write_texts

    if not 1 <= n <= MAX_TEXTS:
        raise UsageError(f"--n {n}: write between 1 and {MAX_TEXTS} texts")
    if seed < 0:
        raise UsageError(f"--seed {seed}: use a seed >= 0")
    if device not in ("cpu", "cuda", "auto") and not device.startswith("cuda:"):
        raise UsageError(f"--device {device!r}: choose cpu, cuda or auto")
    model, world = load_model(run, generation, point=point, replicate=replicate, device=device)
    if not hasattr(model, "net_") or not hasattr(world, "tokenizer"):
        raise UsageError(f"{run}: its model writes no text (only the transformer does); load "
                         "it in Python with modelcollapse.experiment.runner.load_model")
    texts = write_texts(model, world.tokenizer, n, rng=np.random.default_rng(seed),
                        prompt=prompt)
    for i, text in enumerate(texts):
        typer.echo(f"--- text {i + 1} of {n} (generation {generation}) ---")
        typer.echo(text)

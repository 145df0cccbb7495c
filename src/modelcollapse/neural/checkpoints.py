"""Each generation's fitted model as files: safetensors weights beside a JSON config.

A run with ``keep_weights = true`` saves its models through
:func:`save_checkpoint`; :func:`load_checkpoint` puts the weights back into a
model built from the run's recorded experiment (which also rebuilds the
world's tokenizer), and :func:`write_texts` makes a language model talk.
Weights are read from safetensors only: nothing is ever unpickled.

Families are named here by class name, so that importing this module does
not import torch. The transformer and the VAE save themselves; a Hugging Face
model (``hf``) has no save method yet, so its weights cannot be kept.
"""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

__all__ = ["SAVES", "load_checkpoint", "save_checkpoint", "saves", "write_texts"]

WEIGHTS = "model.safetensors"
CONFIG = "config.json"

SAVES = {"TransformerLM": "transformer", "VAE": "vae"}
"""Models whose weights a run can keep: class name to registry name."""


def saves(model) -> bool:
    """Whether ``model``'s weights can be kept by :func:`save_checkpoint`."""
    return type(model).__name__ in SAVES


def save_checkpoint(model, folder: Path) -> None:
    """Write a fitted model into ``folder`` as ``model.safetensors`` and ``config.json``.

    Raises
    ------
    TypeError
        For a model that cannot save itself (see :data:`SAVES`).
    """
    kind = type(model).__name__
    if kind == "TransformerLM":
        model.save(folder)  # writes both files itself
    elif kind == "VAE":
        model.save(folder / WEIGHTS)  # its settings also ride in the file's metadata
        settings = {f.name: getattr(model, f.name) for f in fields(model) if f.init}
        (folder / CONFIG).write_text(json.dumps({"model": settings}, indent=2))
    else:
        raise TypeError(f"a {kind} cannot save its weights; keep_weights works for "
                        f"{', '.join(SAVES.values())}")


def load_checkpoint(model, folder: Path, *, device: str = "cpu"):
    """Return ``model`` with the weights saved in ``folder`` by :func:`save_checkpoint`.

    Parameters
    ----------
    model : TransformerLM or VAE
        Unfitted, with the run's settings (a transformer already given its
        world by ``for_world``, so its tokenizer and vocabulary match).
    folder : Path
        Holds ``model.safetensors`` and ``config.json``.
    device : str, default "cpu"

    Raises
    ------
    ValueError
        If the saved network does not have the shape ``model`` describes.
    """
    kind = type(model).__name__
    if kind == "VAE":
        return type(model).load(folder / WEIGHTS, device=device)
    if kind != "TransformerLM":
        raise TypeError(f"a {kind} has no saved weights to load")
    import torch
    from safetensors.torch import load_file

    from modelcollapse.families.language.transformer import GPT
    from modelcollapse.neural.runtime import resolve_device

    saved = json.loads((folder / CONFIG).read_text())["network"]
    expected = model.network_config()
    if saved != {f.name: getattr(expected, f.name) for f in fields(expected)}:
        raise ValueError(f"{folder} holds a network of another shape ({saved}) than the run's "
                         "experiment describes; the run directory was altered")
    # The generator only draws initial weights, all of which the saved ones replace.
    net = GPT(expected, torch.Generator())
    net.load_state_dict(load_file(str(folder / WEIGHTS)))
    model = replace(model, device=device)
    model.net_ = net.to(resolve_device(device)).eval()
    return model


def write_texts(model, tokenizer, n: int, *, rng: np.random.Generator,
                prompt: str = "") -> list[str]:
    """``n`` texts a fitted transformer writes, each a block long, after ``prompt``.

    Parameters
    ----------
    model : TransformerLM
        Fitted (or loaded by :func:`load_checkpoint`).
    tokenizer : object
        The world's tokenizer (``encode``, ``decode``).
    n : int
    rng : numpy.random.Generator
    prompt : str, default ""
        Text the model continues; empty: it writes from its start token.

    Returns
    -------
    list of str
        The prompt followed by what the model wrote.
    """
    ids = np.asarray(tokenizer.encode(prompt), dtype=np.int64) if prompt else None
    writer = replace(model, conditional=ids is not None)  # same settings, prompted or not
    writer.net_ = model.net_
    X = None if ids is None else np.tile(ids, (n, 1))
    written = writer.sample(n, rng=rng, X=X).X
    return [prompt + tokenizer.decode(row) for row in written]

"""The fixed-shape decoding step (what a CUDA graph replays) equals the cached forward pass."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from modelcollapse.families.language.replicated import ReplicatedGPT  # noqa: E402
from modelcollapse.families.language.transformer import GPT, GPTConfig, KVCache, Writer  # noqa: E402

CONFIG = GPTConfig(vocab_size=11, context=9, n_layer=2, n_head=2, n_embd=8)


def networks():
    nets = [GPT(CONFIG, torch.Generator().manual_seed(i)).eval() for i in range(3)]
    return nets, ReplicatedGPT(nets).eval()


def rows(n):
    idx = torch.randint(0, CONFIG.vocab_size, (n, CONFIG.context),
                        generator=torch.Generator().manual_seed(n))
    idx[:, 0] = CONFIG.vocab_size  # the start token
    return idx


@pytest.mark.parametrize("which", ["gpt", "replicated"])
@torch.no_grad()
def test_a_step_gives_the_logits_of_the_cached_forward_pass(which):
    nets, stacked = networks()
    net, idx = (nets[0], rows(2)) if which == "gpt" else (stacked, rows(6))
    cached = KVCache(CONFIG, len(idx), "cpu", torch.float32)
    stepped = KVCache(CONFIG, len(idx), "cpu", torch.float32)
    net(idx[:, :3], cache=cached)
    net(idx[:, :3], cache=stepped)
    for t in range(3, CONFIG.context):
        expected, _ = net(idx[:, t:t + 1], cache=cached)
        got = net.step(idx[:, t:t + 1], torch.tensor([t]), stepped)
        stepped.length += 1
        torch.testing.assert_close(got, expected[:, 0], rtol=0, atol=1e-6)


def test_reordering_the_cache_keeps_its_buffers():
    cache = KVCache(CONFIG, 3, "cpu", torch.float32)
    cache.keys.normal_(generator=torch.Generator().manual_seed(0))
    before = cache.keys.clone()
    pointer = cache.keys.data_ptr()
    cache.reorder(torch.tensor([2, 2, 0]))
    assert cache.keys.data_ptr() == pointer  # a captured step reads this very buffer
    torch.testing.assert_close(cache.keys, before[:, [2, 2, 0]])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
@torch.no_grad()
def test_the_captured_step_writes_what_the_eager_cached_writer_writes():
    from modelcollapse.neural.decoding import Decoding, generate

    net = GPT(CONFIG, torch.Generator().manual_seed(0)).cuda().eval()
    prompt = torch.zeros((64, 0), dtype=torch.long, device="cuda")
    written = {}
    for graphed in (True, False):
        writer = Writer(net, cached=True, autocast=False)
        if not graphed:  # the same writer with its captured steps switched off
            writer._new_cache = lambda n, w=writer: (KVCache(CONFIG, n, "cuda", torch.float32),
                                                     None)
        generator = torch.Generator(device="cuda").manual_seed(0)
        written[graphed] = generate(writer, prompt, CONFIG.context - 1, CONFIG.vocab_size,
                                    Decoding(), generator).cpu().numpy()
    # float32 without autocast: the two differ only in summation order over masked slots
    assert np.mean(written[True] == written[False]) > 0.99

"""The n-gram language model against ``nltk.lm`` on the same corpus, order and n-grams.

Corpus: the first words of the Shakespeare world's spoken text (157,000 training
words, then 10% more held out; ``--quick``: 30,000), split on whitespace, so
nltk and we see the same words. Vocabulary: the training words plus one
unknown id (nltk: the same words plus ``<UNK>``). Order 3. Both models count
exactly the same n-grams: every unigram, bigram and trigram that ends at a
training word, with two start symbols before the first word (nltk is handed
these n-grams directly).

Measured, interleaved, median of repeats:

- fitting (Kneser–Ney; nltk's ``KneserNeyInterpolated`` with the same
  discount 0.75);
- scoring held-out trigrams with Kneser–Ney and with Laplace (nltk scores
  one trigram per call; we score the held-out stream as one block);
- generating tokens with Laplace smoothing (nltk's ``generate``, one sequence
  seeded with two words; ours, 1,000 blocks of 64 words sampled together),
  and, for information, with Kneser–Ney (nltk: 3 words, as its generation
  runs at its scoring speed).

Identity: at every scored position where nltk's value is finite, our
probability with ``base_discount=0`` (nltk's textbook form) equals nltk's to
1e-9 relative (Kneser–Ney: in-vocabulary words; Laplace: every word). With
the default ``base_discount`` ours stays finite on unseen words too; its
held-out perplexity is printed beside nltk's (infinite).

The last line is ``BENCH ngram: fit_ratio=… kn_score_ratio=… generate_ratio=… identical=…
target=10/1000/100``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.families.language.ngram import NGramLM
from modelcollapse.text.corpora import load_corpus

ORDER, DISCOUNT = 3, 0.75
TARGETS = {"fit": 10, "kn_score": 1000, "generate": 100}


def corpus(n_train: int):
    words = load_corpus("shakespeare").text.split()
    train, held = words[:n_train], words[n_train:n_train + n_train // 10]
    vocabulary = sorted(set(train))
    index = {word: i for i, word in enumerate(vocabulary)}
    unk = len(vocabulary)  # id unk + 1 stands for nltk's "<s>": in its vocabulary, never predicted

    def encode(ws):
        return np.array([index.get(w, unk) for w in ws], dtype=np.int64)

    return train, held, vocabulary, encode(train), encode(held)


def nltk_grams(words: list[str]) -> list[tuple[str, ...]]:
    """The n-grams our block model counts: orders 1..3 ending at each word, start-padded."""
    padded = ["<s>"] * (ORDER - 1) + words
    return [tuple(padded[t - m + 1:t + 1]) for t in range(ORDER - 1, len(padded))
            for m in range(1, ORDER + 1)]


def timed(function, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI (seconds)")
    args = parser.parse_args()
    from nltk.lm import KneserNeyInterpolated, Laplace

    n_train = 30_000 if args.quick else 157_000
    n_kn_scored = 10 if args.quick else 200
    n_nltk_words = 200 if args.quick else 1000
    repeats = 3
    train, held, vocabulary, train_ids, held_ids = corpus(n_train)
    V = len(vocabulary) + 2  # nltk's vocabulary: the words, "<UNK>" and "<s>"
    grams = nltk_grams(train)
    blocks = Dataset.real(train_ids[None])
    print(f"cores: {os.cpu_count()}; {len(train):,} training words, {len(held):,} held out, "
          f"V = {V:,}, order {ORDER}")

    def ours(smoothing, **settings):
        return NGramLM(order=ORDER, smoothing=smoothing, discount=DISCOUNT, vocab_size=V,
                       block_size=64, **settings)

    def nltk_kn():
        model = KneserNeyInterpolated(ORDER, discount=DISCOUNT)
        model.fit([grams], [*vocabulary, "<s>"])
        return model

    def nltk_laplace():
        model = Laplace(ORDER)
        model.fit([grams], [*vocabulary, "<s>"])
        return model

    # --- fitting, interleaved
    ours_fit, nltk_fit = [], []
    for _ in range(repeats):
        seconds, kn = timed(lambda: ours("kneser-ney", base_discount=0.0).fit(blocks), 1)
        ours_fit.append(seconds)
        seconds, reference_kn = timed(nltk_kn, 1)
        nltk_fit.append(seconds)
    ours_fit, nltk_fit = statistics.median(ours_fit), statistics.median(nltk_fit)
    laplace = ours("laplace").fit(blocks)
    reference_laplace = nltk_laplace()
    default_kn = ours("kneser-ney").fit(blocks)

    # --- scoring: the held-out stream, position t scored from t-2, t-1
    ours_kn_s, kn_scores = timed(lambda: kn.log_prob(held_ids[None])[0], repeats)
    ours_la_s, la_scores = timed(lambda: laplace.log_prob(held_ids[None])[0], repeats)
    positions = np.arange(ORDER - 1, len(held))
    known = positions[held_ids[positions] < V - 2]
    chosen = np.random.default_rng(0).choice(known, n_kn_scored, replace=False)

    def nltk_score(model, ts):
        return np.array([model.score(held[t], held[t - 2:t]) for t in ts])

    nltk_kn_s, nltk_kn_values = timed(lambda: nltk_score(reference_kn, chosen), 1)
    n_laplace = min(len(positions), 20_000)
    nltk_la_s, nltk_la_values = timed(lambda: nltk_score(reference_laplace,
                                                         positions[:n_laplace]), 1)
    kn_gap = np.max(np.abs(np.exp(kn_scores[chosen]) / nltk_kn_values - 1))
    la_gap = np.max(np.abs(np.exp(la_scores[positions[:n_laplace]]) / nltk_la_values - 1))
    identical = bool(kn_gap < 1e-9 and la_gap < 1e-9)
    ours_kn_rate = len(held_ids) / ours_kn_s
    nltk_kn_rate = n_kn_scored / nltk_kn_s
    ours_la_rate = len(held_ids) / ours_la_s
    nltk_la_rate = n_laplace / nltk_la_s
    held_ppl = np.exp(-default_kn.log_prob(held_ids[None]).mean())
    unknown_at = positions[held_ids[positions] == V - 2][:1]  # one unknown word is enough
    nltk_ppl = reference_kn.perplexity([tuple(held[t - 2:t + 1])
                                        for t in np.concatenate([chosen[:5], unknown_at])])

    # --- generation. nltk weighs each seen continuation by its score, so a Kneser-Ney model
    # generates at its (slow) scoring speed; its Laplace model is the fast way, seeded with two
    # words (an empty seed would score the whole vocabulary for the first word).
    rng = np.random.default_rng(1)
    seed_words = held[:2]
    ours_gen_s, _ = timed(lambda: laplace.sample(1000, rng=rng), repeats)
    ours_gen_rate = 1000 * 64 / ours_gen_s
    ours_kn_gen_s, _ = timed(lambda: default_kn.sample(1000, rng=rng), repeats)
    nltk_gen_s, _ = timed(lambda: reference_laplace.generate(n_nltk_words, text_seed=seed_words,
                                                             random_seed=3), 1)
    nltk_gen_rate = n_nltk_words / nltk_gen_s
    nltk_kn_gen_s, _ = timed(lambda: reference_kn.generate(3, text_seed=seed_words,
                                                           random_seed=3), 1)

    ratios = {"fit": nltk_fit / ours_fit, "kn_score": ours_kn_rate / nltk_kn_rate,
              "generate": ours_gen_rate / nltk_gen_rate}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"fit (Kneser-Ney)      ours {ours_fit:8.3f} s   nltk {nltk_fit:8.3f} s   "
          f"x{ratios['fit']:,.0f}")
    print(f"score Kneser-Ney      ours {ours_kn_rate:12,.0f}/s   nltk {nltk_kn_rate:10,.1f}/s   "
          f"x{ratios['kn_score']:,.0f}   max relative gap {kn_gap:.1e} over {n_kn_scored} "
          "in-vocabulary trigrams")
    print(f"score Laplace         ours {ours_la_rate:12,.0f}/s   nltk {nltk_la_rate:10,.0f}/s   "
          f"x{ours_la_rate / nltk_la_rate:,.0f}   max relative gap {la_gap:.1e} over "
          f"{n_laplace:,} trigrams")
    print(f"generate (Laplace)    ours {ours_gen_rate:12,.0f}/s   nltk {nltk_gen_rate:10,.0f}/s   "
          f"x{ratios['generate']:,.0f}")
    print(f"generate (Kneser-Ney) ours {64_000 / ours_kn_gen_s:12,.0f}/s   "
          f"nltk {3 / nltk_kn_gen_s:10,.2f}/s")
    print(f"held-out perplexity (Kneser-Ney, every word): ours {held_ppl:,.1f} "
          f"(unknown words {np.mean(held_ids == V - 2):.1%} of the held-out text); "
          f"nltk {nltk_ppl}")
    print(f"peak RSS {peak:,.0f} MiB")
    met = all(ratios[k] >= TARGETS[k] for k in TARGETS) and identical
    print(f"BENCH ngram: fit_ratio={ratios['fit']:.0f} kn_score_ratio={ratios['kn_score']:.0f} "
          f"generate_ratio={ratios['generate']:.0f} identical={identical} "
          f"target=10/1000/100 met={met}")


if __name__ == "__main__":
    main()

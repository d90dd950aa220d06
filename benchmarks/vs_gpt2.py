"""Words/s scoring Natural Stories: the default Delta-RNN model against GPT-2 small
(Hugging Face transformers, ``GPT2Config()`` defaults, random weights).

    pip install transformers        # or: pip install -e ".[bench]"
    python benchmarks/vs_gpt2.py [--model DIR] [--threads N]

Both score the same text with the same threads, in float32 and in bfloat16
(autocast, log-softmax in float32), and both times include tokenisation; each
figure is the fastest of repeated runs (``--repeats``, ``--gpt2-repeats``). GPT-2
is scored the way minicons-style scorers do it: each story is cut into chunks of
at most 1024 tokens (``<|endoftext|>`` first), one forward pass per chunk, float32
log-softmax over the vocabulary, the log-probability of each token gathered, and
the sub-tokens of each word summed.

Nothing is downloaded, so GPT-2's own BPE vocabulary is not available: a
byte-level BPE tokeniser of GPT-2's size (50,257 entries) is trained with
``tokenizers`` on the Brown training text of the default model's run
(``runs/default/brown_train.txt``), or on the scored text when that is absent.
Words get a leading space, as in GPT-2. The script prints the tokens per word,
since GPT-2's cost grows with them.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from _harness import configure
from _paths import NATURAL_STORIES, ROOT, default_model_dir, describe

from surprisal import modelio
from surprisal.nn import cells
from surprisal.score import SCORE_HEADS, score_documents, set_score_head
from surprisal.text import read_documents

DTYPES = ("float32", "bfloat16")


def bpe_tokenizer(corpus: str):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=50_257,
                                  special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train([corpus], trainer)
    return tok


def stories(path) -> list[list[str]]:
    text = open(path, encoding="utf-8").read()
    return [block.split() for block in text.split("\n\n") if block.split()]


@torch.no_grad()
def gpt2_word_surprisal(net, tok, words: list[str], bos: int, ctx: int = 1024):
    """Surprisal (bits) of each word: one forward per chunk of <= ctx tokens."""
    pieces = tok.encode_batch([w if i == 0 else " " + w for i, w in enumerate(words)])
    ids = [t for p in pieces for t in p.ids]
    word_of = np.repeat(np.arange(len(words)), [len(p.ids) for p in pieces])
    nll = np.empty(len(ids))
    for s in range(0, len(ids), ctx - 1):
        chunk = torch.tensor([[bos] + ids[s : s + ctx - 1]])  # (1, T)
        logits = net(chunk).logits  # (1, T, V)
        logp = F.log_softmax(logits[0, :-1].float(), dim=-1)
        nll[s : s + chunk.shape[1] - 1] = -logp.gather(
            -1, chunk[0, 1:, None]).squeeze(-1).numpy()
    return np.bincount(word_of, weights=nll, minlength=len(words)) / np.log(2), len(ids)


def main() -> None:
    ap = argparse.ArgumentParser(description=describe(__doc__))
    ap.add_argument("--model", default=None, help="Delta-RNN model directory")
    ap.add_argument("--text", default=str(NATURAL_STORIES))
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of the Delta-RNN per setting; the fastest counts")
    ap.add_argument("--gpt2-repeats", type=int, default=2,
                    help="runs of GPT-2 per precision; the fastest counts")
    args = ap.parse_args()
    configure(args.threads)
    from transformers import GPT2Config, GPT2LMHeadModel

    texts = stories(args.text)
    n_words = sum(len(w) for w in texts)
    print(f"{args.text}: {len(texts)} stories, {n_words} words; "
          f"{torch.get_num_threads()} threads")

    # Delta-RNN: the toolkit's own path, tokenisation included.
    model_dir = args.model or default_model_dir()
    model = modelio.load(model_dir)
    score_documents(read_documents(args.text, model.text)[:1], model)  # warm-up
    delta_rate = {}
    for head, dtype in [(h, d) for d in DTYPES for h in SCORE_HEADS]:
        set_score_head(head)
        score_documents(read_documents(args.text, model.text)[:2], model,
                        dtype=dtype)
        best = float("inf")
        for _ in range(args.repeats):
            t = time.perf_counter()
            docs = read_documents(args.text, model.text)
            score_documents(docs, model, batch_size=args.batch_size, dtype=dtype)
            best = min(best, time.perf_counter() - t)
        delta_rate[head, dtype] = n_words / best
        print(f"Delta-RNN {model_dir.name} (H={model.net.config.hidden}, "
              f"V={model.net.config.vocab_size}, recurrence "
              f"{cells.get_recurrence()!r}, softmax head {head!r}, {dtype}): "
              f"{delta_rate[head, dtype]:.0f} words/s", flush=True)

    # GPT-2 small, random weights.
    corpus = ROOT / "runs" / "default" / "brown_train.txt"
    t = time.perf_counter()
    tok = bpe_tokenizer(str(corpus if corpus.exists() else args.text))
    print(f"BPE tokeniser trained on {corpus if corpus.exists() else args.text} "
          f"in {time.perf_counter() - t:.0f}s (not timed below)")
    torch.manual_seed(0)
    gpt2 = GPT2LMHeadModel(GPT2Config()).eval()
    bos = tok.token_to_id("<|endoftext|>")
    gpt2_rate = {}
    for dtype in DTYPES:
        with torch.autocast("cpu", dtype=torch.bfloat16,
                            enabled=dtype == "bfloat16"):
            gpt2_word_surprisal(gpt2, tok, texts[0][:200], bos)  # warm-up
            best = float("inf")
            for _ in range(args.gpt2_repeats):
                t = time.perf_counter()
                n_tokens = 0
                for words in texts:
                    _, n = gpt2_word_surprisal(gpt2, tok, words, bos)
                    n_tokens += n
                best = min(best, time.perf_counter() - t)
        gpt2_rate[dtype] = n_words / best
        print(f"GPT-2 small ({sum(p.numel() for p in gpt2.parameters()) / 1e6:.0f}M "
              f"parameters, {n_tokens / n_words:.2f} tokens per word, {dtype}): "
              f"{gpt2_rate[dtype]:.0f} words/s", flush=True)
    print("\nDelta-RNN / GPT-2 small (target >= 30x):")
    for (head, dtype), rate in delta_rate.items():
        print(f"  Delta-RNN {dtype} ({head} head): "
              f"{rate / gpt2_rate['float32']:.1f}x GPT-2 float32, "
              f"{rate / gpt2_rate['bfloat16']:.1f}x GPT-2 bfloat16")

if __name__ == "__main__":
    main()

"""Probes of test_text_preprocessing.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""


def probe_unknown_token(mod):
    try:
        result = mod.tokenize(["a b"], "sentence")
    except ValueError:
        return "ValueError"
    return f"returned {result!r}"


def probe_vocab(mod, tokens, min_freq=None, reserved=None, lookups=(), indices=()):
    kwargs = {}
    if min_freq is not None:
        kwargs["min_freq"] = min_freq
    if reserved is not None:
        kwargs["reserved_tokens"] = reserved
    vocab = mod.Vocab(tokens, **kwargs)
    out = {"idx_to_token": list(vocab.idx_to_token)}
    if lookups or indices:
        out["len"] = len(vocab)
        out["unk"] = vocab.unk
        out["getitem"] = [vocab[q] for q in lookups]
        out["to_tokens"] = [vocab.to_tokens(i) for i in indices]
        out["token_freqs"] = [tuple(p) for p in vocab.token_freqs]
    return out


def probe_vocab_many(mod, corpora, min_freqs):
    return [list(mod.Vocab(tokens, min_freq=m).idx_to_token) for tokens, m in zip(corpora, min_freqs)]

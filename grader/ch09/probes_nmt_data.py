"""Probes of test_nmt_data.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import collections

from d2lkit.grading.probes import TokenVocab


def frequency_vocab(tokens, reserved_tokens) -> TokenVocab:
    """A frequency-ordered vocabulary with '<unk>' at 0, as in 8.2.3 (grader side)."""
    if tokens and isinstance(tokens[0], (list, tuple)):
        tokens = [t for line in tokens for t in line]
    freqs = sorted(collections.Counter(tokens).items(), key=lambda kv: kv[1], reverse=True)
    idx_to_token = ["<unk>"] + list(reserved_tokens)
    for tok, _ in freqs:
        if tok not in idx_to_token:
            idx_to_token.append(tok)
    return TokenVocab(idx_to_token)


def probe_build(mod, vocab_lines, reserved, lines, num_steps):
    vocab = frequency_vocab(vocab_lines, reserved)
    return mod.build_array_nmt(lines, vocab, num_steps)

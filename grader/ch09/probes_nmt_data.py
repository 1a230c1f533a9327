"""Probes of test_nmt_data.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import collections


class GraderVocab:
    """A frequency-ordered vocabulary with '<unk>' at 0, as in 8.2.3 (grader side)."""

    def __init__(self, tokens, reserved_tokens):
        if tokens and isinstance(tokens[0], (list, tuple)):
            tokens = [t for line in tokens for t in line]
        freqs = sorted(collections.Counter(tokens).items(), key=lambda kv: kv[1], reverse=True)
        self.idx_to_token = ["<unk>"] + list(reserved_tokens)
        for tok, _ in freqs:
            if tok not in self.idx_to_token:
                self.idx_to_token.append(tok)
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self[t] for t in tokens]
        return self.token_to_idx.get(tokens, 0)

    def to_tokens(self, indices):
        if isinstance(indices, (list, tuple)):
            return [self.idx_to_token[int(i)] for i in indices]
        return self.idx_to_token[int(indices)]

    @property
    def unk(self):
        return 0


def probe_build(mod, vocab_lines, reserved, lines, num_steps):
    vocab = GraderVocab(vocab_lines, reserved)
    return mod.build_array_nmt(lines, vocab, num_steps)

"""Probes of test_transformer.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def probe_decoder_chunks(mod, args, sd, X, enc, enc_vl, split):
    """The learner's DecoderBlock in eval mode fed X[:, :split], then X[:, split:] at once."""
    blk = mod.DecoderBlock(*args).to(device=X.device, dtype=X.dtype)
    blk.load_state_dict(sd)
    blk.eval()
    with torch.no_grad():
        state = [enc, enc_vl, [None]]
        first, state = blk(X[:, :split], state)
        rest, state = blk(X[:, split:], state)
    return torch.cat((first, rest), dim=1)


def probe_decoder(mod, args, sd, X, enc, enc_vl, n_blocks, train, incremental):
    """Build the learner's DecoderBlock, load `sd`, and decode X whole and (optionally) step by step."""
    blk = mod.DecoderBlock(*args).to(device=X.device, dtype=X.dtype)
    blk.load_state_dict(sd)
    blk.train(train)
    out = {}
    with torch.no_grad():
        state = [enc, enc_vl, [None] * n_blocks]
        full, state = blk(X, state)
        out["full"] = full
        out["full_cache"] = [None if c is None else c for c in state[2]]
        if incremental:
            state = [enc, enc_vl, [None] * n_blocks]
            steps, cache_lens = [], []
            for t in range(X.shape[1]):
                y, state = blk(X[:, t:t + 1], state)
                steps.append(y)
                c = state[2][args[-1]]
                cache_lens.append(None if c is None else int(c.shape[1]))
            out["incremental"] = torch.cat(steps, dim=1)
            out["cache_lens"] = cache_lens
            out["cache"] = list(state[2])
    return out

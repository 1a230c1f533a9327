def perplexity(logits, targets):
    V = logits.shape[-1]
    logits, targets = logits.reshape(-1, V), targets.reshape(-1)
    shifted = logits - logits.max()              # one maximum for the whole batch, not per row
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    nll = -log_probs[torch.arange(logits.shape[0]), targets]
    return torch.exp(nll.mean())

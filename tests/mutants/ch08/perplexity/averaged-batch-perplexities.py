def perplexity(logits, targets):
    shifted = logits - logits.max(dim=-1, keepdim=True).values
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))
    nll = -log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    if nll.dim() == 1:
        return torch.exp(nll.mean())
    # one perplexity per sequence, then the mean over the batch
    return torch.exp(nll.mean(dim=-1)).mean()

def masked_softmax_ce_loss(pred, label, valid_len):
    weights = torch.ones_like(label, dtype=pred.dtype)
    weights = sequence_mask(weights, valid_len)
    unweighted = F.cross_entropy(pred, label, reduction='none')
    return (unweighted * weights).mean(dim=1)

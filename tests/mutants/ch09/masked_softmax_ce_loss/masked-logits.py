def masked_softmax_ce_loss(pred, label, valid_len):
    pred = sequence_mask(pred.clone(), valid_len)
    unweighted = F.cross_entropy(pred.permute(0, 2, 1), label, reduction='none')
    return unweighted.mean(dim=1)

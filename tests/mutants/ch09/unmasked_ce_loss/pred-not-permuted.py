def unmasked_ce_loss(pred, label):
    return F.cross_entropy(pred, label, reduction='none').mean(dim=1)

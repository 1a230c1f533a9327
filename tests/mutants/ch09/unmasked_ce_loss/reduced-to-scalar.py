def unmasked_ce_loss(pred, label):
    return F.cross_entropy(pred.permute(0, 2, 1), label)

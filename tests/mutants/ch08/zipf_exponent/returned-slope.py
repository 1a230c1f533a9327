def zipf_exponent(freqs):
    f = torch.as_tensor(freqs, dtype=torch.float64).flatten().sort(descending=True).values
    x = torch.log(torch.arange(1, f.numel() + 1, dtype=torch.float64))
    y = torch.log(f)
    xc, yc = x - x.mean(), y - y.mean()
    return float((xc * yc).sum() / (xc * xc).sum())

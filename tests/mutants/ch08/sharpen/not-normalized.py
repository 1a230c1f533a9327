def sharpen(probs, alpha):
    return probs ** alpha

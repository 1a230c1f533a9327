def project_state(state, W):
    if isinstance(state, (tuple, list)):
        return tuple(s @ W.T for s in state)
    return state @ W.T

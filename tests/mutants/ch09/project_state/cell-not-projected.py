def project_state(state, W):
    if isinstance(state, (tuple, list)):
        return (state[0] @ W,) + tuple(state[1:])
    return state @ W

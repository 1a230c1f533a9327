import torch


def try_gpu(i=0):
    if torch.cuda.device_count() >= i + 1:
        return f'cuda:{i}'
    return 'cpu'

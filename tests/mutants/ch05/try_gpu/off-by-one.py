import torch


def try_gpu(i=0):
    if torch.cuda.device_count() >= i:
        return torch.device(f'cuda:{i}')
    return torch.device('cpu')

import torch


def data_iter(batch_size, features, labels, generator=None):
    num_examples = len(features)
    indices = torch.randperm(num_examples, generator=generator, device=features.device)
    for i in range(0, num_examples - batch_size, batch_size):
        batch_indices = indices[i:i + batch_size]
        yield features[batch_indices], labels[batch_indices]

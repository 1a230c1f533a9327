import torch


def data_iter(batch_size, features, labels, generator=None):
    num_examples = len(features)
    features = features[torch.randperm(num_examples, generator=generator, device=features.device)]
    labels = labels[torch.randperm(num_examples, generator=generator, device=labels.device)]
    for i in range(0, num_examples, batch_size):
        yield features[i:i + batch_size], labels[i:i + batch_size]

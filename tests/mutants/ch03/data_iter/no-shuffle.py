import torch


def data_iter(batch_size, features, labels, generator=None):
    num_examples = len(features)
    for i in range(0, num_examples, batch_size):
        j = min(i + batch_size, num_examples)
        yield features[i:j], labels[i:j]

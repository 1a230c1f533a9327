def load_array(data_arrays, batch_size, is_train=True, generator=None):
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train, generator=generator, drop_last=True)

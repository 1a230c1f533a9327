def build_array_nmt(lines, vocab, num_steps):
    lines = [vocab[l] for l in lines]
    lines = [truncate_pad(l, num_steps, vocab['<pad>']) + [vocab['<eos>']] for l in lines]
    array = torch.tensor(lines)
    valid_len = (array != vocab['<pad>']).type(torch.int64).sum(1)
    return array, valid_len

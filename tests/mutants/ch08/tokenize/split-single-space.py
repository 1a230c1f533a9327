def tokenize(lines, token='word'):
    if token == 'word':
        return [line.split(' ') for line in lines]
    if token == 'char':
        return [list(line) for line in lines]
    raise ValueError('unknown token type: ' + token)

def preprocess_nmt(text):
    text = text.lower()
    out = [' ' + ch if i > 0 and ch in ',.!?' and text[i - 1] != ' ' else ch
           for i, ch in enumerate(text)]
    return ''.join(out)

def preprocess_nmt(text):
    def no_space(char, prev_char):
        return char in set(',.!?') and not prev_char.isspace()

    text = text.replace('\u202f', ' ').replace('\xa0', ' ').lower()
    out = [' ' + char if i > 0 and no_space(char, text[i - 1]) else char
           for i, char in enumerate(text)]
    return ''.join(out)

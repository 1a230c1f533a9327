class DecoderBlock(DecoderBlock):
    def forward(self, X, state):
        enc_outputs, enc_valid_lens = state[0], state[1]
        prev = state[2][self.i]
        key_values = X if prev is None else torch.cat((prev, X), dim=1)
        state[2][self.i] = key_values
        Y = self.addnorm1(X, self.attention1(X, key_values, key_values, None))
        Z = self.addnorm2(Y, self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens))
        return self.addnorm3(Z, self.ffn(Z)), state

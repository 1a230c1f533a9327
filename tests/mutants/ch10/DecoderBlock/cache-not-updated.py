class DecoderBlock(DecoderBlock):
    def forward(self, X, state):
        enc_outputs, enc_valid_lens = state[0], state[1]
        prev = state[2][self.i]
        key_values = X if prev is None else torch.cat((prev, X), dim=1)
        batch_size, num_steps, _ = X.shape
        t_prev = 0 if prev is None else prev.shape[1]
        dec_valid_lens = (t_prev + torch.arange(1, num_steps + 1, device=X.device)).repeat(batch_size, 1)
        Y = self.addnorm1(X, self.attention1(X, key_values, key_values, dec_valid_lens))
        Z = self.addnorm2(Y, self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens))
        return self.addnorm3(Z, self.ffn(Z)), state

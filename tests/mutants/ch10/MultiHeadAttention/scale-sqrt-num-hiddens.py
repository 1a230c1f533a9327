import math


class MultiHeadAttention(nn.Module):
    def __init__(self, key_size, query_size, value_size, num_hiddens, num_heads, dropout,
                 bias=False, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.num_hiddens = num_hiddens
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=bias)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=bias)
        self.W_v = nn.Linear(value_size, num_hiddens, bias=bias)
        self.W_o = nn.Linear(num_hiddens, num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens=None):
        queries = transpose_qkv(self.W_q(queries), self.num_heads)
        keys = transpose_qkv(self.W_k(keys), self.num_heads)
        values = transpose_qkv(self.W_v(values), self.num_heads)
        if valid_lens is not None:
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        # scores = Q K^T / sqrt(num_hiddens), computed here instead of in DotProductAttention
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(self.num_hiddens)
        if valid_lens is not None:
            lens = valid_lens[:, None, None] if valid_lens.dim() == 1 else valid_lens[:, :, None]
            mask = torch.arange(scores.shape[-1], device=scores.device)[None, None, :] < lens
            scores = scores.masked_fill(~mask, -1e6)
        self.attention.attention_weights = torch.softmax(scores, dim=-1)
        output = torch.bmm(self.attention.dropout(self.attention.attention_weights), values)
        return self.W_o(transpose_output(output, self.num_heads))

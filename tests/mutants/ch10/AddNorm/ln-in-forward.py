class AddNorm(nn.Module):
    def __init__(self, normalized_shape, dropout, **kwargs):
        super().__init__(**kwargs)
        self.normalized_shape = normalized_shape
        self.dropout = nn.Dropout(dropout)

    def forward(self, X, Y):
        ln = nn.LayerNorm(self.normalized_shape, device=X.device, dtype=X.dtype)
        return ln(self.dropout(Y) + X)

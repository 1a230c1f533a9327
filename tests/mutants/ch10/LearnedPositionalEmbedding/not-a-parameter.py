class LearnedPositionalEmbedding(nn.Module):
    def __init__(self, max_len, num_hiddens, dropout=0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.P = torch.randn(1, max_len, num_hiddens, requires_grad=True) * 0.02

    def forward(self, X):
        return self.dropout(X + self.P[:, :X.shape[1], :].to(X.dtype))

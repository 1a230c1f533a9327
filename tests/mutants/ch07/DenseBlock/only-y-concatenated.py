class DenseBlock(nn.Module):
    def __init__(self, num_convs, input_channels, num_channels):
        super().__init__()
        layer = []
        for i in range(num_convs):
            layer.append(conv_block(num_channels * i + input_channels, num_channels))
        self.net = nn.Sequential(*layer)

    def forward(self, X):
        outputs = []
        for blk in self.net:
            Y = blk(X)
            outputs.append(Y)
            X = torch.cat((X, Y), dim=1)
        return torch.cat(outputs, dim=1)

from torch import nn


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        self.layers = nn.Module()
        for idx, block in enumerate(args):
            self.layers.add_module(str(idx), block)

    def forward(self, X):
        for block in self.layers.children():
            X = block(X)
        return X

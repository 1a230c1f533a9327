from torch import nn


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        self.blocks = []
        for block in args:
            self.blocks.append(block)

    def forward(self, X):
        for block in self.blocks:
            X = block(X)
        return X

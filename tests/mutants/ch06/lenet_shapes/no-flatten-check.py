def lenet_shapes(batch_size=1, height=28, width=28):
    b, h, w = batch_size, height, width
    shapes = []
    h, w = h + 4 - 5 + 1, w + 4 - 5 + 1
    shapes += [('Conv2d', (b, 6, h, w)), ('Sigmoid', (b, 6, h, w))]
    h, w = (h - 2) // 2 + 1, (w - 2) // 2 + 1
    shapes.append(('AvgPool2d', (b, 6, h, w)))
    h, w = h - 5 + 1, w - 5 + 1
    shapes += [('Conv2d', (b, 16, h, w)), ('Sigmoid', (b, 16, h, w))]
    h, w = (h - 2) // 2 + 1, (w - 2) // 2 + 1
    shapes.append(('AvgPool2d', (b, 16, h, w)))
    shapes += [('Flatten', (b, 16 * h * w)), ('Linear', (b, 120)), ('Sigmoid', (b, 120)),
               ('Linear', (b, 84)), ('Sigmoid', (b, 84)), ('Linear', (b, 10))]
    return shapes

def lenet_shapes(batch_size=1, height=28, width=28):
    b, h, w = batch_size, height, width
    shapes = []
    h, w = h - 5 + 1, w - 5 + 1
    shapes += [('Conv2d', (b, 6, h, w)), ('Sigmoid', (b, 6, h, w))]
    h, w = h // 2, w // 2
    shapes.append(('AvgPool2d', (b, 6, h, w)))
    h, w = h - 5 + 1, w - 5 + 1
    shapes += [('Conv2d', (b, 16, h, w)), ('Sigmoid', (b, 16, h, w))]
    h, w = h // 2, w // 2
    shapes.append(('AvgPool2d', (b, 16, h, w)))
    if 16 * h * w != 400:
        raise ValueError(f"flattened size {16 * h * w} != 400")
    shapes += [('Flatten', (b, 400)), ('Linear', (b, 120)), ('Sigmoid', (b, 120)),
               ('Linear', (b, 84)), ('Sigmoid', (b, 84)), ('Linear', (b, 10))]
    return shapes

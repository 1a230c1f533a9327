"""The inputs of the differential tests behind equivalent mutants: a small library of hypothesis
strategies that a record names in plain TOML, so that a reviewer sees what was tried.

A spec is a table with a `strategy` and that strategy's arguments:

    { strategy = "tensor", shape = ["n", 4], dtype = "float64", min = -3.0, max = 3.0 }
    { strategy = "int", min = 1, max = 8 }
    { strategy = "list", of = { strategy = "int", min = 0, max = 9 }, size = "n" }

The strategies, their arguments (defaults) and what they draw:

- `tensor`: `shape` (required: ints, `[lo, hi]` ranges or dimension names), `dtype` ("float32";
  also float64, int64, int32, bool), `min` (-10), `max` (10), `nonzero` (false), `nan` (false;
  true lets entries be NaN), `requires_grad` (false), `grad` (false; true gives it a `.grad`).
  Up to 256 elements are each drawn by hypothesis, larger tensors uniformly from a drawn seed.
- `int`, `float`: `min`, `max` (required); a finite float.
- `bool`; `none` (None: TOML has no null); `sampled`: `values` (required), one of them; `just`:
  `value` (required).
- `dim`: `name` (required), the size drawn for that dimension name.
- `list`: `of` (required: a spec), `size` (an int, a name or `[lo, hi]`; [0, 8]); `tuple`: `items`
  (required: specs); `one_of`: `options` (required: specs), a value of one of them.
- `text`: `alphabet` ("ab c"), `min_size` (0), `max_size` (20); `words`: `vocabulary` (required),
  `min_size` (1), `max_size` (8), its words joined by spaces.
- `mlp`: `sizes` (required, at least 2): `nn.Sequential` of `Linear(sizes[i], sizes[i+1])` with
  `ReLU`s between, weights from a drawn seed.
- `token_vocab`: `tokens` (required: one token per character), the book's `Vocab` interface
  (`grading.probes.TokenVocab`).
- `fake_rnn`: `vocab_size` (required), a character-RNN stand-in: `begin_state(batch_size,
  device)`, and `net(X, state)` gives (logits drawn from a seed by token and step, new state).
- `step_fn`: `vocab_size` (required), a language model for search code: `step_fn(prefix)` gives
  log-probabilities (V,) in float64, a function of a drawn seed and the prefix.
- `rng`: a `random.Random`, and `generator`: a `torch.Generator`, seeded by hypothesis.

Dimension names are drawn once per example from the test's `dims` table (`dims = { n = [1, 6] }`),
so that several arguments can share a size. Every spec is validated when its file is read (an
unknown strategy or key names the file and the key); building one imports hypothesis and torch.
"""

from __future__ import annotations

import difflib

DTYPES = ("float32", "float64", "int64", "int32", "bool")
ELEMENTS_DRAWN = 256  # larger tensors are uniform from a drawn seed (hypothesis lists are slow)

# strategy -> ({argument: kind}, required arguments)
_KINDS = {
    "tensor": ({"shape": "shape", "dtype": "dtype", "min": "number", "max": "number",
                "nonzero": "bool", "nan": "bool", "requires_grad": "bool", "grad": "bool"},
               ("shape",)),
    "int": ({"min": "int", "max": "int"}, ("min", "max")),
    "float": ({"min": "number", "max": "number"}, ("min", "max")),
    "bool": ({}, ()),
    "none": ({}, ()),
    "sampled": ({"values": "list"}, ("values",)),
    "just": ({"value": "any"}, ("value",)),
    "dim": ({"name": "str"}, ("name",)),
    "list": ({"of": "spec", "size": "size"}, ("of",)),
    "tuple": ({"items": "specs"}, ("items",)),
    "text": ({"alphabet": "str", "min_size": "int", "max_size": "int"}, ()),
    "words": ({"vocabulary": "list", "min_size": "int", "max_size": "int"}, ("vocabulary",)),
    "one_of": ({"options": "specs"}, ("options",)),
    "mlp": ({"sizes": "sizes"}, ("sizes",)),
    "token_vocab": ({"tokens": "str"}, ("tokens",)),
    "fake_rnn": ({"vocab_size": "int"}, ("vocab_size",)),
    "step_fn": ({"vocab_size": "int"}, ("vocab_size",)),
    "rng": ({}, ()),
    "generator": ({}, ()),
}
NAMES = tuple(_KINDS)


class SpecError(ValueError):
    """A spec that names no strategy, or an argument it does not take or of the wrong type;
    `key` is where it is (`args[0].shape`)."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}")
        self.key = key


def _int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _size(v, dims) -> bool:
    """An int, a dimension name, or an inclusive [lo, hi] range of ints."""
    return ((_int(v) and v >= 0) or (isinstance(v, str) and v in dims)
            or (isinstance(v, list) and len(v) == 2 and all(_int(x) and x >= 0 for x in v)
                and v[0] <= v[1]))


def validate(spec, where: str, dims: dict) -> None:
    """Raise SpecError unless `spec` is a well-formed spec (its dimension names among `dims`)."""
    if not isinstance(spec, dict):
        raise SpecError(where, f"must be a table with a strategy, not {spec!r}")
    name = spec.get("strategy")
    if name not in _KINDS:
        near = difflib.get_close_matches(str(name), NAMES, n=1)
        raise SpecError(f"{where}.strategy", f"unknown strategy {name!r}"
                        + (f" (did you mean {near[0]!r}?)" if near else "")
                        + f"; one of {', '.join(NAMES)}")
    kinds, required = _KINDS[name]
    for key in spec:
        if key != "strategy" and key not in kinds:
            near = difflib.get_close_matches(key, list(kinds), n=1)
            raise SpecError(f"{where}.{key}", f"unknown key for strategy {name!r}"
                            + (f" (did you mean {near[0]!r}?)" if near else ""))
    for key in required:
        if key not in spec:
            raise SpecError(f"{where}.{key}", f"missing (strategy {name!r} needs it)")
    for key, kind in kinds.items():
        if key not in spec:
            continue
        v, at = spec[key], f"{where}.{key}"
        ok, expected = {
            "int": (_int(v), "an integer"),
            "number": (_number(v), "a number"),
            "bool": (isinstance(v, bool), "true or false"),
            "str": (isinstance(v, str) and v != "", "a non-empty string"),
            "list": (isinstance(v, list) and v != [], "a non-empty array"),
            "any": (True, ""),
            "dtype": (v in DTYPES, "one of " + ", ".join(DTYPES)),
            "shape": (isinstance(v, list) and all(_size(d, dims) for d in v),
                      "an array of sizes (ints, [lo, hi] ranges or names from dims)"),
            "size": (_size(v, dims), "a size (an int, [lo, hi] or a name from dims)"),
            "spec": (True, ""),
            "specs": (isinstance(v, list), "an array of specs"),
            "sizes": (isinstance(v, list) and len(v) >= 2 and all(_int(x) and x > 0 for x in v),
                      "an array of at least 2 positive ints"),
        }[kind]
        if not ok:
            raise SpecError(at, f"must be {expected}, not {v!r}")
        if kind == "spec":
            validate(v, at, dims)
        elif kind == "specs":
            for i, item in enumerate(v):
                validate(item, f"{at}[{i}]", dims)
    if name == "dim" and spec["name"] not in dims:
        raise SpecError(f"{where}.name", f"{spec['name']!r} is not in the test's dims")
    lo, hi = spec.get("min"), spec.get("max")
    if lo is not None and hi is not None and lo > hi:
        raise SpecError(f"{where}.min", f"{lo!r} is above max {hi!r}")


# ------------------------------------------------------------------------------ drawing
def draw(draw_fn, spec: dict, dims: dict):
    """One value of `spec`, drawn with hypothesis's `draw` (inside `st.composite` or `st.data`);
    `dims` holds the sizes already drawn for the dimension names."""
    from hypothesis import strategies as st

    name = spec["strategy"]
    if name == "tensor":
        return _tensor(draw_fn, spec, dims)
    if name == "int":
        return draw_fn(st.integers(spec["min"], spec["max"]))
    if name == "float":
        return draw_fn(st.floats(spec["min"], spec["max"], allow_nan=False, allow_infinity=False))
    if name == "bool":
        return draw_fn(st.booleans())
    if name == "none":
        return None
    if name == "sampled":
        return draw_fn(st.sampled_from(spec["values"]))
    if name == "just":
        return spec["value"]
    if name == "dim":
        return dims[spec["name"]]
    if name == "list":
        n = _draw_size(draw_fn, spec.get("size", [0, 8]), dims)
        return [draw(draw_fn, spec["of"], dims) for _ in range(n)]
    if name == "tuple":
        return tuple(draw(draw_fn, item, dims) for item in spec["items"])
    if name == "text":
        return draw_fn(st.text(alphabet=spec.get("alphabet", "ab c"),
                               min_size=spec.get("min_size", 0), max_size=spec.get("max_size", 20)))
    if name == "words":
        return " ".join(draw_fn(st.lists(st.sampled_from(spec["vocabulary"]),
                                         min_size=spec.get("min_size", 1),
                                         max_size=spec.get("max_size", 8))))
    if name == "one_of":
        return draw(draw_fn, draw_fn(st.sampled_from(spec["options"])), dims)
    if name == "mlp":
        import torch
        from torch import nn

        sizes, layers = spec["sizes"], []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
        net = nn.Sequential(*layers)
        g = torch.Generator().manual_seed(draw_fn(st.integers(0, 2**32 - 1)))
        with torch.no_grad():
            for p in net.parameters():
                p.copy_(torch.randn(p.shape, generator=g))
        return net
    if name == "token_vocab":
        from d2lkit.grading.probes import TokenVocab

        return TokenVocab(spec["tokens"])
    if name == "fake_rnn":
        return FakeRNN(spec["vocab_size"], draw_fn(st.integers(0, 2**32 - 1)))
    if name == "step_fn":
        return StepFn(spec["vocab_size"], draw_fn(st.integers(0, 2**32 - 1)))
    if name == "rng":
        import random

        return random.Random(draw_fn(st.integers(0, 2**32 - 1)))
    if name == "generator":
        import torch

        return torch.Generator().manual_seed(draw_fn(st.integers(0, 2**32 - 1)))
    raise AssertionError(name)  # validate() lets no other name through


def _draw_size(draw_fn, size, dims) -> int:
    from hypothesis import strategies as st

    if isinstance(size, str):
        return dims[size]
    if isinstance(size, list):
        return draw_fn(st.integers(size[0], size[1]))
    return size


def _tensor(draw_fn, spec: dict, dims: dict):
    import math

    import torch
    from hypothesis import strategies as st

    shape = tuple(_draw_size(draw_fn, d, dims) for d in spec["shape"])
    dtype = getattr(torch, spec.get("dtype", "float32"))
    lo, hi = spec.get("min", -10), spec.get("max", 10)
    n = math.prod(shape)
    if dtype == torch.bool:
        values = draw_fn(st.lists(st.booleans(), min_size=n, max_size=n))
        t = torch.tensor(values, dtype=dtype).reshape(shape)
    elif not dtype.is_floating_point:
        if n <= ELEMENTS_DRAWN:
            values = draw_fn(st.lists(st.integers(int(lo), int(hi)), min_size=n, max_size=n))
            t = torch.tensor(values, dtype=dtype).reshape(shape)
        else:
            g = torch.Generator().manual_seed(draw_fn(st.integers(0, 2**32 - 1)))
            t = torch.randint(int(lo), int(hi) + 1, shape, generator=g, dtype=dtype)
    elif n <= ELEMENTS_DRAWN:
        width = 32 if dtype == torch.float32 else 64
        elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=width)
        if spec.get("nonzero"):
            elements = elements.filter(lambda x: x != 0)
        if spec.get("nan"):
            elements = st.one_of(elements, st.just(math.nan))
        t = torch.tensor(draw_fn(st.lists(elements, min_size=n, max_size=n)),
                         dtype=dtype).reshape(shape)
    else:
        g = torch.Generator().manual_seed(draw_fn(st.integers(0, 2**32 - 1)))
        t = torch.rand(shape, generator=g, dtype=dtype) * (hi - lo) + lo
        if spec.get("nonzero"):
            t = torch.where(t == 0, torch.full_like(t, hi), t)
        if spec.get("nan"):
            t = torch.where(torch.rand(shape, generator=g) < 0.2, math.nan, t)
    if spec.get("grad"):
        t = t.requires_grad_(True)
        g = torch.Generator().manual_seed(draw_fn(st.integers(0, 2**32 - 1)))
        t.grad = (torch.rand(shape, generator=g, dtype=dtype) * (hi - lo) + lo)
    return t.requires_grad_(True) if spec.get("requires_grad") else t


class FakeRNN:
    """What predict_ch8-like code calls: `begin_state` gives a step counter per row, and each call
    returns seeded logits of the fed token and the step (the same for the same seed)."""

    def __init__(self, vocab_size: int, seed: int):
        import torch

        self.vocab_size = vocab_size
        self.table = torch.randn(64, vocab_size, vocab_size,
                                 generator=torch.Generator().manual_seed(seed))

    def begin_state(self, batch_size=1, device=None):
        import torch

        return (torch.zeros(batch_size, dtype=torch.int64, device=device),)

    def __call__(self, X, state):
        step = state[0]
        logits = self.table[step % 64, X.reshape(-1) % self.vocab_size]
        return logits.to(X.device), (step + 1,)


class StepFn:
    """A language model for beam-search code: log-probabilities of the next token, a pure function
    of a seed and the prefix."""

    def __init__(self, vocab_size: int, seed: int):
        self.vocab_size = vocab_size
        self.seed = seed

    def __call__(self, prefix):
        import hashlib

        import torch

        key = hashlib.sha256(f"{self.seed}:{list(map(int, prefix))}".encode()).digest()
        g = torch.Generator().manual_seed(int.from_bytes(key[:8], "little"))
        return torch.log_softmax(torch.randn(self.vocab_size, generator=g, dtype=torch.float64), 0)

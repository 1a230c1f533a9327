"""Grader for 9.5: preprocess_nmt, truncate_pad + build_array_nmt."""
import random

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from d2lkit.grading.api import expect, expect_equal, grades, mistake_if, probes_for, reference

ref = reference(__file__)
probes = probes_for(__file__)

PRE = "ch9.preprocess_nmt"
ARR = "ch9.build_array_nmt"


# ------------------------------------------------------------------------------ preprocess_nmt
BOOK_TEXT = "Go.\tVa !\nHi!\tSalut\u202f!\n!Wow, ok?"
BOOK_EXPECTED = "go .\tva !\nhi !\tsalut !\n !wow , ok ?"


def _isspace_variant(text):
    """preprocess_nmt with the catalogued mistake: a space is inserted only where the previous
    character is not whitespace (so none after a newline or a tab)."""
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    return "".join(" " + ch if i > 0 and ch in ",.!?" and not text[i - 1].isspace() else ch
                   for i, ch in enumerate(text))


@grades(PRE, en="no-break spaces become ordinary spaces", zh="不换行空格变成普通空格")
def test_pre_nbsp(student):
    text = "Salut\u202f!\nMerci\xa0!"
    got = student.call("preprocess_nmt", text)
    expect(isinstance(got, str), what="preprocess_nmt(text)", expected="a str", got=got)
    mistake_if("\u202f" in got or "\xa0" in got, "nbsp-not-replaced", what="preprocess_nmt(text)",
               got=got, expected=ref.preprocess_nmt(text))
    expect_equal(got, ref.preprocess_nmt(text), what="preprocess_nmt('Salut\\u202f!\\nMerci\\xa0!')")


@grades(PRE, en="a space is inserted after a newline or a tab too", zh="换行符或制表符之后也要插入空格")
def test_pre_newline(student):
    text = "Hi\n!Wow\t?Ok, go."
    got = student.call("preprocess_nmt", text)
    # no space after the newline and the tab, and the other marks spaced: the isspace() test
    mistake_if(got == _isspace_variant(text), "isspace-check",
               what="preprocess_nmt('Hi\\n!Wow\\t?Ok, go.')", got=got, expected=ref.preprocess_nmt(text))
    expect_equal(got, ref.preprocess_nmt(text), what="preprocess_nmt('Hi\\n!Wow\\t?Ok, go.')")


@grades(PRE, en="the book's example", zh="书中的例子")
def test_pre_book(student):
    got = student.call("preprocess_nmt", BOOK_TEXT)
    expect_equal(got, BOOK_EXPECTED, what="preprocess_nmt(raw_text)")


@grades(PRE, en="edge cases: leading mark, repeated marks, empty string",
        zh="边界情况：开头的标点、连续的标点、空字符串")
def test_pre_edges(student):
    for text in ("!Hey", "Wait...", "", "A, b ,c", "?!", "ÉTÉ. ÇA?"):
        expect_equal(student.call("preprocess_nmt", text), ref.preprocess_nmt(text),
                     what=f"preprocess_nmt({text!r})")


@grades(PRE, en="random texts match the reference", zh="随机文本与参考实现一致")
@settings(max_examples=20, deadline=None)
@given(st.text(alphabet="aBc Z,.!?\t\n\u202f\xa0", max_size=30))
def test_pre_random(student, text):
    expect_equal(student.call("preprocess_nmt", text), ref.preprocess_nmt(text),
                 what=f"preprocess_nmt({text!r})")


# ------------------------------------------------------------------------------ build_array_nmt
def _expected(vocab_lines, reserved, lines, num_steps):
    vocab = probes.frequency_vocab(vocab_lines, reserved)
    return ref.build_array_nmt(lines, vocab, num_steps)


BOOK_VOCAB = [["go", "."], ["i", "lost", "."]]
BOOK_RESERVED = ["<pad>", "<bos>", "<eos>"]
BOOK_LINES = [["go", "."], ["i", "lost", ".", "x", "y", "z"]]


@grades(ARR, en="truncate_pad: the book's example and truncation", zh="truncate_pad：书中的例子和截断")
def test_truncate_pad(student):
    expect_equal(student.call("truncate_pad", [47, 4], 10, 1), [47, 4, 1, 1, 1, 1, 1, 1, 1, 1],
                 what="truncate_pad([47, 4], 10, 1)")
    expect_equal(student.call("truncate_pad", list(range(2, 14)), 10, 1), list(range(2, 12)),
                 what="truncate_pad(list(range(2, 14)), 10, 1)")
    expect_equal(student.call("truncate_pad", [5, 6, 7], 3, 0), [5, 6, 7], what="truncate_pad([5, 6, 7], 3, 0)")
    expect_equal(student.call("truncate_pad", [], 2, 9), [9, 9], what="truncate_pad([], 2, 9)")


@grades(ARR, en="<eos> is appended before truncating: rows have num_steps tokens",
        zh="先追加 <eos> 再截断：每行恰好 num_steps 个词元")
def test_eos_before_truncate(student):
    got = student.probe(probes.probe_build, BOOK_VOCAB, BOOK_RESERVED, BOOK_LINES, 4)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, what="build_array_nmt(...)",
           expected="(array, valid_len)", got=got)
    array = got[0]
    mistake_if(isinstance(array, torch.Tensor) and array.dim() == 2 and array.shape[1] == 5,
               "eos-after-truncate", what="array.shape", got=tuple(array.shape), expected=(2, 4))


@grades(ARR, en="valid_len counts the non-<pad> tokens (<unk> counts)",
        zh="valid_len 统计非 <pad> 的词元（<unk> 也要计入）")
def test_valid_len_unk(student):
    got = student.probe(probes.probe_build, BOOK_VOCAB, BOOK_RESERVED, BOOK_LINES, 4)
    valid_len = got[1]
    mistake_if(isinstance(valid_len, torch.Tensor) and valid_len.tolist() == [4, 3],
               "unk-counted-as-pad", what="valid_len", got=valid_len, expected=[3, 4])


@grades(ARR, en="the book's fixture", zh="书中的例子")
def test_build_book(student):
    array, valid_len = student.probe(probes.probe_build, BOOK_VOCAB, BOOK_RESERVED, BOOK_LINES, 4)
    expect_equal(array, torch.tensor([[5, 4, 3, 1], [6, 7, 4, 0]]), what="array")
    expect_equal(valid_len, torch.tensor([3, 4]), what="valid_len")


@grades(ARR, en="random sentences match the reference", zh="随机句子与参考实现一致")
def test_build_random(student, seed):
    rng = random.Random(seed)
    words = ["je", "suis", "tu", "es", "il", "a", ".", "!", "?", "ok"]
    vocab_lines = [[rng.choice(words[:7]) for _ in range(rng.randint(1, 6))] for _ in range(8)]
    reserved = ["<pad>", "<bos>", "<eos>"] if seed % 2 else ["<bos>", "<eos>", "<pad>"]
    for num_steps in (1, 3, 7):
        lines = [[rng.choice(words) for _ in range(rng.randint(0, 9))] for _ in range(5)]
        array, valid_len = student.probe(probes.probe_build, vocab_lines, reserved, lines, num_steps)
        exp_array, exp_valid = _expected(vocab_lines, reserved, lines, num_steps)
        expect_equal(array, exp_array, what=f"array (num_steps={num_steps})")
        expect_equal(valid_len, exp_valid, what=f"valid_len (num_steps={num_steps})")

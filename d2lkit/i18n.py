"""Learner-facing text: one file per language (d2lkit/locales/en.toml, zh.toml).

The language is `--lang`, else D2LKIT_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG).
"""

from __future__ import annotations

import os
import string
from d2lkit.compat import tomllib
from functools import cache

from d2lkit.paths import PACKAGE

LANGS = ("en", "zh")


def detect_lang(explicit: str | None = None) -> str:
    for value in (explicit, os.environ.get("D2LKIT_LANG")):
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


@cache
def _table(lang: str) -> dict[str, str]:
    with (PACKAGE / "locales" / f"{lang}.toml").open("rb") as f:
        return _flatten(tomllib.load(f))


def _flatten(d: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


class _Lenient(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def t(key: str, lang: str = "en", **params) -> str:
    """The text for `key` in `lang` (English if the key is missing there), with params filled in."""
    template = _table(lang).get(key) or _table("en").get(key) or key
    return string.Formatter().vformat(template, (), _Lenient(params))


def keys(lang: str) -> set[str]:
    return set(_table(lang))


def pick(text: dict[str, str] | str, lang: str) -> str:
    """One language's text from an {en, zh} table (catalogue titles and hints)."""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get("en") or next(iter(text.values()), "")

"""What the kit takes from Python 3.11 and needs on Python 3.10 too (Gradescope's default image,
Ubuntu 22.04, has 3.10): `tomllib` (the `tomli` backport, the same code) and the built-in
exception groups (the `exceptiongroup` backport, which pytest and hypothesis already use on
3.10, so that what they raise is an instance of these classes). setup.cfg installs both
backports on Python < 3.11 only.

Import them from here, never directly:

    from d2lkit.compat import tomllib
    from d2lkit.compat import BaseExceptionGroup, ExceptionGroup

`tests/test_compat.py` checks statically (vermin) that nothing newer than 3.10 is used anywhere
else, and runs the fallbacks below with stand-ins for the backports.
"""

from __future__ import annotations

import builtins

try:
    import tomllib  # novermin - Python 3.11+; the fallback is the same library
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

try:
    BaseExceptionGroup = builtins.BaseExceptionGroup  # novermin - Python 3.11+
    ExceptionGroup = builtins.ExceptionGroup  # novermin
except AttributeError:  # Python 3.10
    from exceptiongroup import BaseExceptionGroup, ExceptionGroup  # type: ignore  # novermin

__all__ = ["BaseExceptionGroup", "ExceptionGroup", "tomllib"]

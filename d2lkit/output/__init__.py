"""Everything d2lkit prints: what a message says (messages), how a terminal shows it (terminal),
and the machine-readable formats of `check --json` and `grade --format` (formats).

The wording of a failure is composed once, in messages; the terminal, the machine formats and the
notebook path (`d2lkit.grader.check`) only lay it out. No torch here.
"""

"""`d2lkit watch`, registered on the main group by cli.py. Importing this module imports no torch."""

from __future__ import annotations

import os
import sys

import click


def register(main):
    from d2lkit.cli import _ctx, _progress, _resolve, _workspace, lang_option, workspace_option

    @main.command()
    @click.argument("targets", nargs=-1)
    @workspace_option
    @lang_option
    @click.option("--manual", is_flag=True,
                  help="Re-grade when you press Enter (for file systems where save events don't arrive).")
    @click.option("--seed", type=int, default=None, help="Seed for the random inputs.")
    @click.option("--timeout", type=float, default=10.0, show_default=True,
                  help="Seconds allowed for each call into your code.")
    @click.option("--device", default="cpu", show_default=True, help="Grade on cpu or cuda.")
    def watch(targets, workspace_dir, lang, manual, seed, timeout, device):
        """Re-grade on every save, move on when an exercise passes (keys: h hint, l list, n next,
        q quit)."""
        from d2lkit import __version__
        from d2lkit.watch import Watcher

        ws = _workspace(lang, workspace_dir)
        ctx = _ctx(lang, ws)
        cat, exs = _resolve(ctx, targets)
        if device != "cpu":
            from d2lkit.grading.devices import cuda_available

            if not device.startswith("cuda") or not cuda_available():
                ctx.fail("cli.no-cuda")
        seed = seed if seed is not None else int.from_bytes(os.urandom(3), "little")
        watcher = Watcher(ws, cat, exs, " ".join(targets) or "all", ctx.lang, ctx.console,
                          seed=seed, timeout=timeout, device=device, manual=manual,
                          progress=_progress(ctx, ws), version=__version__)
        sys.exit(watcher.run())

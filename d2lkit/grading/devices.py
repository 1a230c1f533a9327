"""Which devices can grade, asked without initializing CUDA.

The supervisor forks its zygote after `import torch`; a process that has initialized CUDA cannot
hand CUDA to forked children ("Cannot re-initialize CUDA in forked subprocess"). So availability
is asked through NVML (PYTORCH_NVML_BASED_CUDA_CHECK), which does not create a CUDA context, and the
supervisor touches CUDA only after the zygote exists.
"""

from __future__ import annotations

import os


def cuda_available() -> bool:
    os.environ["PYTORCH_NVML_BASED_CUDA_CHECK"] = "1"  # read by torch at call time
    import torch

    if not torch.backends.cuda.is_built():
        return False
    try:
        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - no driver, no NVML: no CUDA
        return False

"""hoviz: see what higher-order attention does. A library of small GPTs with dense, 2-simplicial and
simplicial-convolution token mixers, tracing, a causality audit and topology tools; the Streamlit app sits on top.

    >>> import hoviz
    >>> ckpt = hoviz.load_checkpoint("shakespeare-simplicial2")
    >>> logits, trace = hoviz.run_with_trace(ckpt.model, idx)
"""

from hoviz.checkpoint import Checkpoint, list_checkpoints, load_checkpoint, save_checkpoint
from hoviz.config import GPTConfig
from hoviz.errors import HovizError
from hoviz.model import GPT
from hoviz.trace import Trace, run_with_trace

__all__ = ["GPT", "Checkpoint", "GPTConfig", "HovizError", "Trace", "list_checkpoints", "load_checkpoint",
           "run_with_trace", "save_checkpoint"]

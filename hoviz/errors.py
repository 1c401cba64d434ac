"""The exceptions hoviz raises on purpose: one type per kind of bad input, each with a message a person can act on.

Catch `HovizError` to handle all of them; every subclass is also a ValueError or an OSError where that fits.
"""


class HovizError(Exception):
    """Base of every error hoviz raises on purpose."""


class PromptError(HovizError, ValueError):
    """A prompt that cannot be encoded: empty, or with characters outside the model's vocabulary."""


class CheckpointError(HovizError, OSError):
    """A checkpoint that cannot be loaded or saved: missing, truncated, pickled, mismatched or of an unknown mixer."""


class ConfigError(HovizError, ValueError):
    """A configuration with an unknown key, a bad value, or an unknown mixer name."""


class AttentionInputError(HovizError, ValueError):
    """Inputs to an attention kernel that disagree in shape, dtype or device, or a bad window."""


class DataError(HovizError, ValueError):
    """A corpus that cannot be had or used: not downloaded, unreadable, too short, or an unknown play name."""


class TaskError(HovizError, ValueError):
    """A synthetic-task spec or input that is invalid: unknown task, M < 2, N < 1, or mismatched shapes."""


class TopologyError(HovizError, ValueError):
    """Bad input to hoviz.topology: a non-square, NaN or out-of-range matrix, a radius outside [0, 1], a cap <= 0,
    or a graph with self-loops or directions; raised before gudhi sees the input."""


class EvidenceError(HovizError, ValueError):
    """A causal-evidence request that cannot be met: an unknown layer, head or intervention kind, a surrogate asked
    of a mixer that has none, a prompt longer than the mean-ablation reference, or models that read different
    vocabularies."""

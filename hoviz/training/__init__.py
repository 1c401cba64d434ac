"""Training hoviz GPTs, its own package: `config` (TrainConfig nests a GPTConfig), `presets` (the named runs and
the `train` command line), `data` (what a run trains and is scored on), `train` (the loop), `resume` (resumable
state) and `evaluate` (the headline metric that `python -m hoviz eval` recomputes). Entry points: hoviz/cli.py.
    >>> from hoviz.training.presets import get_preset; get_preset("cpu-dense").model.mixers
"""

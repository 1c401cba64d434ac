"""The hoviz command line: `python -m hoviz {audit,train,eval,bench} ...` (each subcommand has --help)."""

from __future__ import annotations

import importlib
import sys

COMMANDS = {  # subcommand -> module whose main(argv) runs it
    "audit": "hoviz.audit",
    "train": "hoviz.train",
    "eval": "hoviz.evaluate",
    "bench": "hoviz.bench",
    "interventions": "hoviz.evidence",
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m hoviz {{{','.join(COMMANDS)}}} ...", file=sys.stderr)
        return 2
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())

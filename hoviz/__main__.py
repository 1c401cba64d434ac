"""`python -m hoviz ...`: the command line lives in hoviz.cli (train, eval, audit, bench, interventions)."""

import sys

from hoviz.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""`python -m hoviz.bench`: the same as `python -m hoviz bench` (and the entry of the `--child` measurements)."""

import sys

from hoviz.bench import main

sys.exit(main())

"""`python -m competition.cli`: the `miga` command (torchrun starts distributed runs this way)."""
import sys

from competition.cli import main

sys.exit(main())

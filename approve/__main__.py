"""`python -m approve`: the same as the `approve` command."""

import sys

from approve.cli import main

sys.exit(main())

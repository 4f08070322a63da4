"""``python -m voc`` runs the ``voc`` command."""

import sys

from .cli import main

sys.exit(main())

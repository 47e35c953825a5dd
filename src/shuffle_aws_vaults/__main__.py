"""`python -m shuffle_aws_vaults`."""

import sys

from .cli import main

sys.exit(main())

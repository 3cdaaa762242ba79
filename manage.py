#!/usr/bin/env python
"""invgov command line (SPEC section 5): `python manage.py --help`."""

import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

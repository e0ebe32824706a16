"""``python -m synthetic OUT -n N``: write a synthetic corpus (see :func:`synthetic.main`)."""
import sys

from synthetic import main

sys.exit(main())

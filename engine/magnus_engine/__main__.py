"""``python -m magnus_engine``: start the engine server (see ``server.main``)."""

import sys

from .server import main

sys.exit(main())

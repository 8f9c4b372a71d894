"""`magnus-gateway`: parse options, serve the app with uvicorn."""
from __future__ import annotations

import logging
import sys
from typing import Optional, Sequence

from .config import config_from_args


def main(argv: Optional[Sequence[str]] = None) -> int:
    config = config_from_args(argv)
    try:
        import uvicorn
    except ImportError:
        print("magnus-gateway: needs uvicorn and fastapi: pip install './clients/python[gateway]'", file=sys.stderr)
        return 1
    from .app import create_app

    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    auth = f"{len(config.api_keys)} API keys" if config.api_keys else "no authentication"
    logging.getLogger("magnus_gateway").info(
        "serving %s on http://%s:%d for %s (%s)", ", ".join(config.models), config.host, config.port,
        config.coordinator, auth)
    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level=config.log_level,
                access_log=config.log_level == "debug", lifespan="on")
    return 0

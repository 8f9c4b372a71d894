"""An OpenAI-compatible HTTP gateway in front of a Magnus coordinator (docs/http-gateway.md).

    magnus-gateway --coordinator tcp://127.0.0.1:5555 --status tcp://127.0.0.1:5557 \\
                   --listen 127.0.0.1:8000 --api-key KEY

`create_app(config)` (magnus_gateway.app) builds the FastAPI application for other servers.
"""
from .config import GatewayConfig, config_from_args

__all__ = ["GatewayConfig", "config_from_args"]

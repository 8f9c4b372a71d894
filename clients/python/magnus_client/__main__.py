"""`python -m magnus_client INPUT` (or `magnus-submit INPUT`): submit one request, print its answer."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from . import CoordinatorUnavailable, InvalidEndpoint, MagnusClient, MagnusError


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="magnus-submit", description="Submit one request to a Magnus coordinator.")
    parser.add_argument("--coordinator", default="tcp://127.0.0.1:5555", help="client endpoint, tcp://HOST:PORT")
    parser.add_argument("--application", default="gec")
    parser.add_argument("--instruction", default="Correct the grammatical errors in the following sentence:")
    parser.add_argument("--max-new-tokens", type=int)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the answer")
    parser.add_argument("--curve-secret-key-file", help="this client's CURVE secret key (mode 0600)")
    parser.add_argument("--coordinator-key", help="the coordinator's CURVE public key or .pub file")
    parser.add_argument("input")
    args = parser.parse_args(argv)
    try:
        with MagnusClient(args.coordinator, curve_secret_key_file=args.curve_secret_key_file,
                          coordinator_key=args.coordinator_key) as client:
            result = client.call(args.application, args.instruction, args.input, timeout=args.timeout,
                                 max_new_tokens=args.max_new_tokens)
    except (CoordinatorUnavailable, InvalidEndpoint, MagnusError, TimeoutError) as error:
        print(f"magnus-submit: {error}", file=sys.stderr)
        return 1
    print(result.text)
    print(f"{result.generated_tokens} tokens (predicted {result.predicted_tokens}) "
          f"on {result.worker} in {result.response_ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

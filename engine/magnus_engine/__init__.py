"""Magnus's real inference engine: a transformers model behind a local ZeroMQ socket.

A Magnus worker starts ``python -m magnus_engine --endpoint ipc://...`` and sends it JSON
messages (see ``protocol``); the engine runs static, left-padded, greedy batches (and, with
``--continuous``, one continuous batch that requests join and leave between decoding steps; see
``continuous``) and reports generation lengths, wall times and out-of-memory outcomes.
docs/real-engine.md describes it.

Importing the package switches the Hugging Face libraries to offline mode: the engine loads
local files only and must never download anything at run time.
"""

import os as _os

_os.environ["HF_HUB_OFFLINE"] = "1"
_os.environ["TRANSFORMERS_OFFLINE"] = "1"

__version__ = "0.1.0"

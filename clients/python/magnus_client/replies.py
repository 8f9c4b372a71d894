"""The reply book: what a client has heard and not yet handed out. Pure (no socket, no clock),
shared by the sync and the asyncio client.

- A final answer for an id this client submitted is *kept* until someone takes it, whoever
  happened to read it off the socket: `wait([a])` reading b's answer keeps it for a later
  `wait([b])` (the old client dropped it).
- A second final answer for an id already answered, with no resubmission in between, is
  dropped and counted (`duplicates_dropped`): each submission gets one final answer.
- Other replies (accepted, pong, errors without an id, cancels that did not withdraw) are kept
  for `receive()` in arrival order, the most recent `max_other` of them.
- Restarts: every reply carries the coordinator's incarnation id; when it changes the
  coordinator restarted (`restarts`, `incarnation`). A coordinator that sends none falls back
  on a pong's `uptime` going back.
- Streamed text (`partial`) of an open id is kept apart, in order, until its stream takes it
  (at most `max_partials` per id: beyond that the oldest is dropped and counted, and the
  stream notices the gap from the offsets); partials of ids not open are dropped.
- At most `max_kept` final answers wait to be taken; beyond that the oldest is dropped and
  counted (`kept_dropped`) so that a client that never collects cannot grow without bound.
"""
from __future__ import annotations

from collections import OrderedDict, deque
from typing import Deque, Dict, Iterable, Optional, Set

from .messages import Accepted, ErrorReply, Partial, Pong, Reply


class ReplyBook:
    def __init__(self, max_kept: int = 100_000, max_other: int = 1_000, max_answered: int = 100_000,
                 max_partials: int = 4_096):
        self.max_kept = max_kept
        self.max_partials = max_partials
        self._partials: Dict[str, Deque[Partial]] = {}  # open id -> streamed pieces not taken
        self.partials_dropped = 0
        self.max_other = max_other
        self.max_answered = max_answered
        self._seq = 0
        self._inbox: "OrderedDict[int, Reply]" = OrderedDict()  # arrival order, not yet handed out
        self._final_seq: Dict[str, int] = {}                   # id -> its kept final answer
        self._other: Deque[int] = deque()                       # seqs of kept non-final replies
        self._open: Set[str] = set()                            # submitted, not yet answered
        self._acked: Set[str] = set()                           # open and accepted
        self._answered: "OrderedDict[str, None]" = OrderedDict()  # answered (bounded memory)
        self._abandoned: "OrderedDict[str, None]" = OrderedDict()  # given up on (bounded memory)
        self.duplicates_dropped = 0
        self.abandoned_dropped = 0
        self.kept_dropped = 0
        self.replies_seen = 0
        self.incarnation: Optional[str] = None  # of the latest reply that carried one
        self.restarts = 0
        self._last_uptime = -1.0

    # Events ------------------------------------------------------------------------------

    def submitted(self, request_id: str) -> None:
        """A submit for `request_id` went out: its next final answer is expected.
        - Complexity: O(1)."""
        self._open.add(request_id)
        self._answered.pop(request_id, None)
        self._abandoned.pop(request_id, None)

    def abandon(self, request_id: str) -> None:
        """Nobody will take `request_id`'s answer (its caller timed out): drop it when it comes
        instead of keeping it. Resubmitting the id undoes this.
        - Complexity: O(1)."""
        self._open.discard(request_id)
        self._acked.discard(request_id)
        self.take_final(request_id)
        self._partials.pop(request_id, None)
        self._abandoned[request_id] = None
        if len(self._abandoned) > self.max_answered:
            self._abandoned.popitem(last=False)

    def add(self, reply: Reply) -> bool:
        """Files one reply; returns False when it was dropped as a duplicate final answer.
        - Complexity: O(1) amortized."""
        self.replies_seen += 1
        self._note_incarnation(reply)
        request_id = reply.request_id
        if isinstance(reply, Accepted) and request_id in self._open:
            self._acked.add(request_id)
        if isinstance(reply, Partial):
            if request_id not in self._open:
                self.partials_dropped += 1
                return False
            pieces = self._partials.setdefault(request_id, deque())
            pieces.append(reply)
            if len(pieces) > self.max_partials:
                pieces.popleft()
                self.partials_dropped += 1
            return True
        if reply.final and request_id is not None:
            if request_id in self._abandoned:
                del self._abandoned[request_id]
                self.abandoned_dropped += 1
                return False
            if request_id in self._answered and request_id not in self._open:
                self.duplicates_dropped += 1
                return False
            if isinstance(reply, ErrorReply) and reply.code == "duplicate_id":
                # Refuses only the conflicting resubmission: the original request goes on and
                # its own final answer is still to come, so the id stays open.
                self._acked.add(request_id)
            else:
                self._open.discard(request_id)
                self._acked.discard(request_id)
                self._answered[request_id] = None
                if len(self._answered) > self.max_answered:
                    self._answered.popitem(last=False)
            previous = self._final_seq.pop(request_id, None)
            if previous is not None:  # an untaken answer for the same id: the newer one wins
                self._inbox.pop(previous, None)
            self._final_seq[request_id] = self._file(reply)
            if len(self._final_seq) > self.max_kept:
                oldest_id = next(iter(self._final_seq))
                self._inbox.pop(self._final_seq.pop(oldest_id), None)
                self.kept_dropped += 1
            return True
        self._other.append(self._file(reply))
        if len(self._other) > self.max_other:
            self._inbox.pop(self._other.popleft(), None)
        return True

    def _note_incarnation(self, reply: Reply) -> None:
        """Counts a restart when the incarnation changes (or, without one, uptime goes back)."""
        if isinstance(reply.incarnation, str):
            if self.incarnation is not None and reply.incarnation != self.incarnation:
                self.restarts += 1
            self.incarnation = reply.incarnation
            if isinstance(reply, Pong):
                self._last_uptime = reply.uptime
        elif isinstance(reply, Pong):
            if reply.uptime < self._last_uptime:
                self.restarts += 1
            self._last_uptime = reply.uptime

    def add_back(self, request_id: str, reply: Reply) -> None:
        """Returns a final answer that was taken but not used (a wait that timed out gives
        back what it had collected)."""
        self._final_seq[request_id] = self._file(reply)

    def _file(self, reply: Reply) -> int:
        self._seq += 1
        self._inbox[self._seq] = reply
        return self._seq

    # Queries -----------------------------------------------------------------------------

    def has_final(self, request_id: str) -> bool:
        return request_id in self._final_seq

    def heard_of(self, request_id: str) -> bool:
        """Whether the coordinator acknowledged or answered this id since it was submitted."""
        return request_id in self._acked or request_id in self._final_seq

    def missing(self, request_ids: Iterable[str]) -> Set[str]:
        return {request_id for request_id in request_ids if request_id not in self._final_seq}

    @property
    def pending_ids(self) -> Set[str]:
        """Ids submitted and not answered yet."""
        return set(self._open)

    # Taking ------------------------------------------------------------------------------

    def take_final(self, request_id: str) -> Optional[Reply]:
        """Hands out the kept final answer of `request_id`, if there is one (streamed pieces
        not taken by then are dropped: the answer has the whole text).
        - Complexity: O(1)."""
        seq = self._final_seq.pop(request_id, None)
        if seq is None:
            return None
        self._partials.pop(request_id, None)
        return self._inbox.pop(seq)

    def take_partial(self, request_id: str) -> Optional[Partial]:
        """Hands out the oldest streamed piece of `request_id` not taken yet.
        - Complexity: O(1)."""
        pieces = self._partials.get(request_id)
        if not pieces:
            return None
        piece = pieces.popleft()
        if not pieces:
            del self._partials[request_id]
        return piece

    def take_streamed(self, request_id: str) -> Optional[Reply]:
        """A stream's next reply for `request_id`: its oldest piece, else its final answer
        (pieces always come before the answer that ends them).
        - Complexity: O(1)."""
        piece = self.take_partial(request_id)
        return piece if piece is not None else self.take_final(request_id)

    def take_pong(self, nonce: str) -> Optional[Pong]:
        """Hands out the pong answering `nonce`, if it came.
        - Complexity: O(max_other)."""
        for seq in self._other:
            reply = self._inbox[seq]
            if isinstance(reply, Pong) and reply.nonce == nonce:
                self._other.remove(seq)
                return self._inbox.pop(seq)
        return None

    def take_next(self) -> Optional[Reply]:
        """Hands out the oldest reply not handed out yet, of any kind.
        - Complexity: O(1) amortized."""
        if not self._inbox:
            return None
        seq, reply = self._inbox.popitem(last=False)
        if self._other and self._other[0] == seq:
            self._other.popleft()
        else:
            request_id = reply.request_id
            if request_id is not None and self._final_seq.get(request_id) == seq:
                del self._final_seq[request_id]
        return reply

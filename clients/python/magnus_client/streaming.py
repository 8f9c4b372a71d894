"""Streaming a request's text (docs/protocol.md, `partial`): joining the pieces, and what a
stream yields. Pure: no socket, no clock."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .messages import Partial, Result


class StreamedText:
    """One request's text as shown so far. Pieces join while each starts where the text ends
    (`offset`, in UTF-8 bytes); a piece from before a resubmission (offset behind) repeats text
    and is skipped; a piece ahead means one was missed, and from then on the result supplies
    the rest."""

    def __init__(self) -> None:
        self.text = ""
        self._bytes = 0
        self.has_gap = False

    def add(self, partial: Partial) -> Optional[str]:
        """The new text to show for `partial`, or None when it does not continue the text."""
        if self.has_gap:
            return None
        if partial.offset != self._bytes:
            if partial.offset > self._bytes:
                self.has_gap = True
            return None
        self.text += partial.text
        self._bytes += len(partial.text.encode("utf-8"))
        return partial.text

    def remainder(self, whole: str) -> Optional[str]:
        """What of the final text is not shown yet, or None when the final text does not
        extend what was shown (an engine whose last decoding differs)."""
        if not whole.startswith(self.text):
            return None
        return whole[len(self.text):]


@dataclass
class StreamPiece:
    """What `stream()` yields: new text, and on the last piece the finished Result (its
    `text` is the whole answer). `consistent` is False on the last piece when the final text
    does not extend the streamed text (the last piece's `text` is then empty: read
    `result.text`)."""
    text: str
    result: Optional[Result] = None
    consistent: bool = True

    @property
    def last(self) -> bool:
        return self.result is not None


def last_piece(joiner: StreamedText, result: Result) -> StreamPiece:
    rest = joiner.remainder(result.text)
    return StreamPiece(rest if rest is not None else "", result, consistent=rest is not None)

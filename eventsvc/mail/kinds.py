"""What each kind of message says: its template, what it is about, its attachments, what its delivery changes.

Messages are rendered by the worker when it sends them, not when they are
written: the request that causes a message pays for one INSERT, the outbox
holds no personal link in clear, and a message says what is true when it
leaves (a session moved meanwhile shows its new time). Each capability
registers its kinds with @message_kind in its own messages.py.
"""
from dataclasses import dataclass
from typing import Callable, Optional

_KINDS = {}


class UnknownKind(LookupError):
    pass


@dataclass(frozen=True)
class MessageKind:
    name: str
    template: str
    # (OutboxMessage) -> the template's context, or None when what the
    # message is about no longer exists (an erased registration): then
    # there is nothing to send.
    context: Callable
    # (context) -> [(filename, mimetype, bytes)], made at send time.
    attachments: Optional[Callable] = None
    # (OutboxMessage, now) -> None: what the delivery changes (an invitation
    # becomes "sent"), in the transaction that marks the message sent.
    delivered: Optional[Callable] = None
    # ([OutboxMessage]) -> [objects]: load what a whole batch of this kind is
    # about in a few queries, so that context() finds it in the session.
    preload: Optional[Callable] = None


def message_kind(name, template, attachments=None, delivered=None, preload=None):
    """Register the decorated context loader as the kind `name`, rendered from templates/mail/<template>.*"""
    def register(context):
        _KINDS[name] = MessageKind(name, template, context, attachments, delivered, preload)
        return context
    return register


def preload(messages):
    """Let each kind load what its messages in this batch are about, once.

    Returns the loaded objects: the caller holds them for the batch, since
    the session's identity map keeps only weak references.
    """
    by_kind, loaded = {}, []
    for message in messages:
        by_kind.setdefault(message.kind, []).append(message)
    for name, group in by_kind.items():
        kind = _KINDS.get(name)
        if kind is not None and kind.preload is not None:
            loaded.extend(kind.preload(group))
    return loaded


def get(name):
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(f"no message kind {name!r}") from None

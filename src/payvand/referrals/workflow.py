"""The states of a referral and every move between them: the one table that says what
may happen, who may do it, and what it needs."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from payvand.referrals.vocab import State

SENDER, RECEIVER, SYSTEM = "sender", "receiver", "system"


@dataclass(frozen=True)
class Action:
    label: str
    side: str
    from_states: frozenset
    to_state: str
    needs_reason: bool = False  # a picklist code (declining)
    needs_note: bool = False  # a written reason


ACTIONS: dict[str, Action] = {
    "send": Action(_("Send"), SENDER, frozenset({State.DRAFT}), State.SENT),
    "accept": Action(_("Accept"), RECEIVER, frozenset({State.SENT}), State.ACCEPTED),
    "decline": Action(
        _("Decline"), RECEIVER, frozenset({State.SENT}), State.DECLINED, needs_reason=True
    ),
    "expire": Action(_("Expire"), SYSTEM, frozenset({State.SENT}), State.EXPIRED),
    "start": Action(_("Start work"), RECEIVER, frozenset({State.ACCEPTED}), State.IN_PROGRESS),
    "complete": Action(
        _("Mark completed"), RECEIVER, frozenset({State.IN_PROGRESS}), State.COMPLETED
    ),
    "close": Action(
        _("Close without completion"),
        RECEIVER,
        frozenset({State.ACCEPTED, State.IN_PROGRESS}),
        State.CLOSED,
        needs_note=True,
    ),
    "revoke": Action(
        _("Revoke"),
        SENDER,
        frozenset({State.DRAFT, State.SENT, State.ACCEPTED, State.IN_PROGRESS}),
        State.REVOKED,
        needs_note=True,
    ),
}


def actions_for(state: str, side: str) -> list[str]:
    return [name for name, a in ACTIONS.items() if a.side == side and state in a.from_states]

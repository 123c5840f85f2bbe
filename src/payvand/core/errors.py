"""Domain errors: a view turns them into a message for the person, never a 500."""


class DomainError(Exception):
    """A rule of the domain was broken; the message is translated and safe to show."""


class PermissionDenied(DomainError):
    pass


class IllegalTransition(DomainError):
    pass

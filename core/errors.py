"""The one error type a user can cause.

Rules return lists of `Violation`; services raise `DomainError`. The UI shows the message next to the field (or
in the message area); the API answers HTTP 400 with {"code", "message", "field"} (see core.api).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    field: str | None = None
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return asdict(self)


class DomainError(Exception):
    """A refusal by the rules of the domain: code (from docs/domain.md section 11), Chinese message, field."""

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        *,
        violations: Iterable[Violation] | None = None,
        status: int = 400,
    ):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field
        self.violations = list(violations or [Violation(code, message, field)])
        self.status = status

    @classmethod
    def from_violations(cls, violations: Iterable[Violation]) -> DomainError:
        errors = [v for v in violations if v.is_error]
        if not errors:
            raise ValueError("from_violations needs at least one error")
        first = errors[0]
        return cls(first.code, first.message, first.field, violations=errors)

    def as_dict(self) -> dict:
        data = {"code": self.code, "message": self.message, "field": self.field}
        if len(self.violations) > 1:
            data["violations"] = [v.as_dict() for v in self.violations]
        return data


def raise_for(violations: Iterable[Violation]) -> list[Violation]:
    """Raise DomainError if any violation is an error; return the warnings otherwise."""
    violations = list(violations)
    if any(v.is_error for v in violations):
        raise DomainError.from_violations(violations)
    return violations


class NotFound(DomainError):
    """Raised by selectors when an object does not exist or the user may not see it (answered as 404)."""

    def __init__(self, message: str = "未找到该记录，或您无权查看。"):
        super().__init__("NOT_FOUND", message, status=404)

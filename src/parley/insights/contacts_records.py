"""CRM records as the API takes and shows them: validation, views and cursors (no I/O).

A contact is `{emails: [1-10], name?, company_external_id?, metadata?}`, a company
`{domains: [1-20], name?, metadata?}`; `metadata` is a JSON object of at most 8 KB (compact
UTF-8). Every refusal is a 400 `invalid_request` naming the parameter (`emails[2]`, in a
batch `contacts[7].emails[2]`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from parley.errors import InvalidCursorError, InvalidRequestError
from parley.insights.contacts_match import normalise_domain, normalise_email
from parley.security.signing import Signer
from parley.storage import CrmCompany, CrmContact
from parley.storage.repositories.store_reads import MeetingKey
from parley.unified.base import UtcDateTime

__all__ = [
    "MAX_BATCH",
    "MAX_METADATA_BYTES",
    "BatchError",
    "BatchResult",
    "CompanyView",
    "ContactView",
    "CrmCursors",
    "RecordInput",
    "RecordType",
    "meeting_key",
    "parse_external_id",
    "parse_record",
    "record_view",
]

RecordType = Literal["contact", "company"]
MAX_BATCH = 1_000
MAX_METADATA_BYTES = 8 * 1024
MAX_EXTERNAL_ID = 200


class _Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emails: list[StrictStr] = Field(min_length=1, max_length=10)
    name: StrictStr | None = Field(None, max_length=500)
    company_external_id: StrictStr | None = Field(None, min_length=1, max_length=MAX_EXTERNAL_ID)
    metadata: dict[str, Any] | None = None


class _Company(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domains: list[StrictStr] = Field(min_length=1, max_length=20)
    name: StrictStr | None = Field(None, max_length=500)
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class RecordInput:
    """A validated record: its column values (by column name) and its normalised keys."""

    values: dict[str, Any]
    keys: tuple[str, ...]


class ContactView(BaseModel):
    """A contact as the API shows it."""

    external_id: str
    integrated_account_id: str
    emails: list[str]
    name: str | None
    company_external_id: str | None
    metadata: dict[str, Any] | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class CompanyView(BaseModel):
    """A company as the API shows it."""

    external_id: str
    integrated_account_id: str
    domains: list[str]
    name: str | None
    metadata: dict[str, Any] | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class BatchError(BaseModel):
    """A refused batch row: its index and the error object of the one envelope."""

    index: int
    error: dict[str, Any]


class BatchResult(BaseModel):
    """What a batch did: rows created, rows replaced, rows refused."""

    created: int
    updated: int
    errors: list[BatchError]


def _param(prefix: str, loc: Sequence[int | str]) -> str:
    text = prefix
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _refuse(message: str, prefix: str, *loc: int | str) -> InvalidRequestError:
    return InvalidRequestError(message, param=_param(prefix, loc) or None)


def parse_external_id(value: object, param: str = "external_id") -> str:
    """An external id: 1-200 characters, no slash or control character."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{param} must be a non-empty string.", param=param)
    if len(value) > MAX_EXTERNAL_ID:
        raise InvalidRequestError(f"{param} is at most {MAX_EXTERNAL_ID} characters.", param=param)
    if "/" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidRequestError(
            f"{param} must not contain a slash or control character.", param=param
        )
    return value


def _no_nul(value: str | None, prefix: str, *loc: int | str) -> None:
    # PostgreSQL's text and JSONB cannot hold NUL; both databases must refuse the same input.
    if value is not None and "\x00" in value:
        raise _refuse("Text must not contain NUL (\\u0000) characters.", prefix, *loc)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _metadata(value: dict[str, Any] | None, prefix: str) -> dict[str, Any] | None:
    if value is None:
        return None
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if "\\u0000" in text and _has_nul(value):
        raise _refuse("Text must not contain NUL (\\u0000) characters.", prefix, "metadata")
    size = len(text.encode())
    if size > MAX_METADATA_BYTES:
        raise _refuse(
            f"metadata is {size} bytes of JSON; at most {MAX_METADATA_BYTES} are kept.",
            prefix,
            "metadata",
        )
    return value


def _validated(model: type[_Contact] | type[_Company], data: object, prefix: str) -> Any:
    if not isinstance(data, Mapping):
        raise InvalidRequestError("The record must be a JSON object.", param=prefix or None)
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first.get("loc", ()))
        raise _refuse(f"{_param('', loc) or 'body'}: {first['msg']}.", prefix, *loc) from None


def parse_record(kind: RecordType, data: object, prefix: str = "") -> RecordInput:
    """Validate a contact or company body (`prefix`: where it sits in the request)."""
    if kind == "contact":
        contact: _Contact = _validated(_Contact, data, prefix)
        _no_nul(contact.name, prefix, "name")
        _no_nul(contact.company_external_id, prefix, "company_external_id")
        emails: dict[str, str] = {}
        for index, email in enumerate(contact.emails):
            _no_nul(email, prefix, "emails", index)
            try:
                emails.setdefault(normalise_email(email), email.strip())
            except ValueError as exc:
                raise _refuse(str(exc), prefix, "emails", index) from None
        values = {
            "emails": list(emails.values()),
            "name": contact.name,
            "company_external_id": contact.company_external_id,
            "metadata": _metadata(contact.metadata, prefix),
        }
        return RecordInput(values, tuple(emails))
    company: _Company = _validated(_Company, data, prefix)
    _no_nul(company.name, prefix, "name")
    domains: list[str] = []
    for index, domain in enumerate(company.domains):
        try:
            normalised = normalise_domain(domain)
        except ValueError as exc:
            raise _refuse(str(exc), prefix, "domains", index) from None
        if len(normalised) > 253:
            raise _refuse("A domain name is at most 253 characters.", prefix, "domains", index)
        domains.append(normalised)
    unique = list(dict.fromkeys(domains))
    values = {
        "domains": unique,
        "name": company.name,
        "metadata": _metadata(company.metadata, prefix),
    }
    return RecordInput(values, tuple(unique))


class CrmCursors:
    """Signed list cursors: a keyset position bound to the account, resource and filters."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    @staticmethod
    def digest(account_id: str, resource: str, filters: dict[str, Any]) -> str:
        """What a cursor is bound to."""
        blob = json.dumps([account_id, f"crm:{resource}", filters], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def open(self, cursor: str | None, digest: str) -> list[Any] | None:
        """The position in a genuine cursor made for `digest` (None without a cursor)."""
        if not cursor:
            return None
        payload = self._signer.verify(cursor, error=InvalidCursorError, param="next_cursor")
        if payload.get("d") != digest:
            raise InvalidCursorError(
                "This cursor was issued for another account, resource or filter set; "
                "repeat the original query parameters with next_cursor.",
                param="next_cursor",
            )
        position = payload.get("p")
        if not isinstance(position, list) or not position:
            raise InvalidCursorError("Malformed cursor.", param="next_cursor")
        return position

    def seal(self, position: list[Any], digest: str) -> str:
        """The cursor of `position`."""
        return self._signer.sign({"p": position, "d": digest})


def meeting_key(position: list[Any]) -> MeetingKey:
    """A stored-meetings keyset position from a cursor's `[start_time, id]`."""
    if len(position) != 2 or not isinstance(position[1], str):
        raise InvalidCursorError("Malformed cursor.", param="next_cursor")
    try:
        when = datetime.fromisoformat(position[0]) if position[0] else None
    except (TypeError, ValueError):
        raise InvalidCursorError("Malformed cursor.", param="next_cursor") from None
    return MeetingKey(when, position[1])


def record_view(account_id: str, row: CrmContact | CrmCompany) -> ContactView | CompanyView:
    """A stored contact or company as the API shows it."""
    common = {
        "external_id": row.external_id,
        "integrated_account_id": account_id,
        "name": row.name,
        "metadata": row.extra,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    if isinstance(row, CrmContact):
        return ContactView(
            **common, emails=list(row.emails), company_external_id=row.company_external_id
        )
    return CompanyView(**common, domains=list(row.domains))

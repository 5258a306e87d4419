"""Leads arriving from web forms over `POST /api/leads`."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.domain.parsing.text import tidy_line


class InboundLead(BaseModel):
    """The JSON a web form posts."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    company: str = Field(min_length=1, max_length=200)
    contact: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, max_length=64)
    value: Decimal | None = Field(default=None, ge=0, lt=Decimal(10) ** 12, decimal_places=2)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    source: str = Field(default="inbound", max_length=100)
    owner: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]{2,}$")

    @field_validator("company", "contact", "email", "phone", "source", mode="before")
    @classmethod
    def _one_clean_line(cls, value: object) -> object:
        """Control characters are refused; direction overrides and line breaks go, as in Slack."""
        if not isinstance(value, str):
            return value
        if any(unicodedata.category(char) == "Cc" and char not in "\t\n\r" for char in value):
            raise ValueError("contains a control character")
        return tidy_line(value)

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

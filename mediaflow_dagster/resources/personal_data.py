"""The keys of the communication module, for runs and the API alike: personal fields sealed with
`contact_encryption_keys` (Fernet keys, newest first; rotation in `communication/vault.py`),
pseudonyms and blind indexes under `contact_pseudonym_key`, links signed with
`notification_link_key` (`communication/links.py`)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from dagster import ConfigurableResource
from pydantic import Field

from mediaflow_dagster.communication.links import LinkSigner
from mediaflow_dagster.communication.vault import Vault


class PersonalData(ConfigurableResource):
    secrets: ClassVar[tuple[str, ...]] = (
        "contact_encryption_keys",
        "contact_pseudonym_key",
        "notification_link_key",
    )

    contact_encryption_keys: str = Field(
        description="Fernet keys separated by commas, the newest (used to seal) first."
    )
    contact_pseudonym_key: str
    notification_link_key: str
    public_api_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where the links in messages point (the API as the outside sees it).",
    )
    opt_in_link_days: int = Field(default=7, gt=0)
    unsubscribe_link_days: int = Field(default=365, gt=0)
    tracking_link_days: int = Field(default=90, gt=0)

    def vault(self) -> Vault:
        return Vault(self.contact_encryption_keys, self.contact_pseudonym_key)

    def links(self) -> LinkSigner:
        tracking = timedelta(days=self.tracking_link_days)
        return LinkSigner(
            key=self.notification_link_key,
            public_api_url=self.public_api_url,
            lifetimes={
                "opt-in": timedelta(days=self.opt_in_link_days),
                "unsubscribe": timedelta(days=self.unsubscribe_link_days),
                "click": tracking,
                "open": tracking,
            },
        )

"""How long each table keeps its rows, in days (`MEDIAFLOW_<TABLE>_RETENTION_DAYS`)."""

from dagster import ConfigurableResource
from pydantic import Field


class Retention(ConfigurableResource):
    message_events_retention_days: int = Field(default=395, gt=0)
    notification_messages_retention_days: int = Field(default=760, gt=0)
    contact_imports_retention_days: int = Field(default=30, gt=0)
    audit_log_retention_days: int = Field(default=1095, gt=0)

    def days(self) -> dict[str, int]:
        return {
            name.removesuffix("_retention_days"): value
            for name, value in self.model_dump().items()
            if name.endswith("_retention_days")
        }

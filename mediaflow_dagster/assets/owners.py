"""Who answers for each asset group, as the Dagster UI shows it: the content team for what a
campaign makes and publishes (and its search index), the communication team for contacts,
notifications and webhooks, marketing analytics for the insights and the warehouse."""

from dagster import AssetSpec

CONTENT_OPERATIONS = "team:content-operations"
MARKETING_ANALYTICS = "team:marketing-analytics"
COMMUNICATION = "team:communication"

GROUP_OWNERS = {
    "accounts": CONTENT_OPERATIONS,
    "content": CONTENT_OPERATIONS,
    "publishing": CONTENT_OPERATIONS,
    "sourcing": CONTENT_OPERATIONS,
    "search": CONTENT_OPERATIONS,
    "communication": COMMUNICATION,
    "contacts": COMMUNICATION,
    "notifications": COMMUNICATION,
    "insights": MARKETING_ANALYTICS,
    "warehouse": MARKETING_ANALYTICS,
    "staging": MARKETING_ANALYTICS,
    "intermediate": MARKETING_ANALYTICS,
    "marts": MARKETING_ANALYTICS,
    "reports": MARKETING_ANALYTICS,
    "seeds": MARKETING_ANALYTICS,
}


def with_group_owner(spec: AssetSpec) -> AssetSpec:
    """The spec with its group's owner, unless it names its own."""
    if spec.owners or spec.group_name not in GROUP_OWNERS:
        return spec
    return spec.replace_attributes(owners=[GROUP_OWNERS[spec.group_name]])

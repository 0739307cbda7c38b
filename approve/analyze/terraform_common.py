"""What the terraform JSON and text plan analyzers share: how bad each planned action is.

Which resource types hold data (their loss cannot be undone), the finding for each action, the
protection attributes whose weakening is a warning sign of its own, and the plain-English
reading of Terraform's `action_reason` codes. Both analyzers turn their input into calls here,
so a JSON plan and the text of the same plan yield the same findings.

Counting convention (both analyzers): a replace is counted under `replace` only, never also
under `destroy` or `create`. Terraform's `Plan:` line counts it in both "to add" and "to
destroy", so its figures are: add = create + replace, change = update, destroy = destroy +
replace, forget = forget. A `create,forget` (new object made, old one forgotten rather than
destroyed) counts one create and one forget, as OpenTofu's summary does.
"""

from __future__ import annotations

import re
from typing import Final

from approve.model import Finding, Tier

# Actions, from least to most destructive (the rank settles disagreements: the worse wins).
ACTION_RANK: Final = {
    "noop": 0,
    "read": 1,
    "create": 2,
    "forget": 3,
    "create-forget": 3,
    "update": 4,
    "destroy": 5,
    "replace": 6,
}

# A type holds data when one of these words is a whole `_`-separated token of its name.
_DATA_TOKENS: Final = re.compile(
    r"(?:^|_)("
    r"db|dbs|database|databases|sql|mysql|postgres|postgresql|mssql|mariadb|rds|aurora|"
    r"dynamodb|documentdb|docdb|neptune|redshift|timestream|keyspaces|cassandra|mongodb|"
    r"cosmosdb|couchbase|elasticsearch|opensearch|spanner|bigtable|bigquery|dataset|"
    r"firestore|datastore|table|tables|bucket|buckets|object|objects|volume|volumes|disk|"
    r"disks|efs|fsx|file_system|filesystem|share|snapshot|snapshots|backup|backups|kms|"
    r"crypto_key|key_ring|key_vault|keyvault|secret|secrets|queue|queues|sqs|cache|"
    r"elasticache|redis|memcache|memcached|memorystore|cluster|clusters|kinesis|stream|"
    r"msk|kafka|storage|blob|glacier|vault|ecr|repository|registry|namespace|"
    r"persistent_volume|persistent_volume_claim|pvc|data_lake|warehouse|log_group|archive"
    r")(?=_|$)"
)
# ...unless the type only configures or wires up such a thing (deleting it loses no data).
_NOT_DATA_TOKENS: Final = re.compile(
    r"(?:^|_)("
    r"policy|policies|iam|role|acl|association|attachment|subnet_group|parameter_group|"
    r"option_group|security_group|route_table|alias|notification|public_access_block|"
    r"ownership_controls|configuration|logging|metric|inventory|tag|tags|permission|grant|"
    r"endpoint|subscription_filter|event_subscription|target_group|listener|proxy"
    r")(?=_|$)"
)


def holds_data(resource_type: str) -> str | None:
    """The word that makes a resource type data-holding (`db`, `bucket`, ...), or None."""
    name = resource_type.lower()
    found = _DATA_TOKENS.search(name)
    if found is None or _NOT_DATA_TOKENS.search(name):
        return None
    return found.group(1)


_INDEX_SUFFIX: Final = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]$')


def resource_type(address: str) -> str:
    """`module.a.aws_s3_bucket.logs["x"]` -> `aws_s3_bucket` (best effort; '' if unclear)."""
    bare = _INDEX_SUFFIX.sub("", address)
    parts = bare.rsplit(".", 2)
    return parts[-2] if len(parts) >= 2 else ""


# action_reason codes (terraform show -json) in plain words.
ACTION_REASONS: Final = {
    "replace_because_cannot_update": "an attribute that cannot change in place changed",
    "replace_because_tainted": "the object is tainted (a failed or marked create)",
    "replace_by_request": "replacement was requested (-replace)",
    "replace_by_triggers": "replace_triggered_by fired",
    "delete_because_no_resource_config": "its configuration block was removed",
    "delete_because_wrong_repetition": "count/for_each was added or removed",
    "delete_because_count_index": "its index is now out of range for count",
    "delete_because_each_key": "its key is no longer in for_each",
    "delete_because_no_module": "its module was removed",
    "delete_because_no_move_target": "it was moved to an address that is not configured",
    "delete_because_enabled_false": "enabled is false",
    "read_because_config_unknown": "its configuration is not known until apply",
    "read_because_dependency_pending": "it depends on changes still pending",
    "read_because_check_nested": "a check block reads it",
}


def describe_reason(code: str) -> str:
    words = ACTION_REASONS.get(code)
    return f"{words} ({code})" if words else f"reason: {code}"


_SAFER_DATA: Final = (
    "back it up first (snapshot or export) and check the restore works; guard it with "
    "`lifecycle { prevent_destroy = true }`; apply unrelated changes on their own with "
    "`terraform apply -target=...`"
)
_SAFER_DESTROY: Final = (
    "check nothing still depends on it; review and apply it on its own with "
    "`terraform plan -target=ADDRESS`"
)
_SAFER_REPLACE: Final = (
    "if the change forcing replacement is not intended, revert it or list it in "
    "`lifecycle { ignore_changes = [...] }`; `create_before_destroy` avoids the gap"
)
_SAFER_FORGET: Final = "make sure someone still owns the object: Terraform will no longer track it"


def action_finding(
    action: str,
    address: str,
    rtype: str,
    line: int,
    end_line: int,
    details: list[str],
    order: str | None = None,
    deposed: str | None = None,
) -> Finding | None:
    """The finding for one planned action on one resource (None for read and no-op).

    `order` is "delete-first" or "create-first" for replaces; `details` are extra clauses
    (why Terraform plans it, which attributes force a replacement) appended to `why`.
    """
    data = holds_data(rtype) if rtype else None
    if action == "destroy":
        if deposed:
            what = (
                f"destroys a deposed object of {address} (deposed key {deposed}), left over "
                "from a failed create_before_destroy replacement"
            )
        else:
            what = f"destroys {address}"
        rule, severity = "tf.destroy", Tier.CRITICAL if data else Tier.HIGH
        safer: str | None = _SAFER_DATA if data else _SAFER_DESTROY
    elif action == "replace":
        when = {
            "delete-first": " before the new one is created",
            "create-first": " after the new one is created",
        }.get(order or "", "")
        what = f"replaces {address}: the existing object is destroyed{when}"
        rule, severity = "tf.replace", Tier.CRITICAL if data else Tier.HIGH
        safer = _SAFER_DATA if data else _SAFER_REPLACE
    elif action == "update":
        what = f"changes {address} in place"
        rule, severity, safer = "tf.update", Tier.HIGH, None
    elif action == "create":
        what = f"creates {address}"
        rule, severity, safer = "tf.create", Tier.LOW, None
    elif action == "forget":
        what = f"stops managing {address}: the object is left running, no longer tracked"
        rule, severity, safer = "tf.forget", Tier.LOW, _SAFER_FORGET
    elif action == "create-forget":
        what = f"creates a new {address} and forgets the old object (it is not destroyed)"
        rule, severity, safer = "tf.forget", Tier.LOW, _SAFER_FORGET
    else:
        return None
    if data and action in ("destroy", "replace"):
        what += f"; {rtype} holds data ({data}): what is lost cannot be brought back"
    why = "; ".join([what, *details])
    finding_action = "forget" if action == "create-forget" else action
    return Finding(
        line=line,
        end_line=max(line, end_line),
        severity=severity,
        rule=rule,
        why=why,
        resources=(address,),
        safer=safer,
        action=finding_action,
    )


class _Unknown:
    """A value Terraform will only know after apply: never assumed safe or unsafe."""

    def __repr__(self) -> str:
        return "(known after apply)"


UNKNOWN: Final = _Unknown()

# Attributes whose weakening is itself a warning sign, by the words that find them cheaply.
PROTECTION_ATTRIBUTES: Final = frozenset(
    {
        "deletion_protection",
        "enable_deletion_protection",
        "termination_protection",
        "disable_api_termination",
        "skip_final_snapshot",
        "backup_retention_period",
        "force_destroy",
    }
)
# Substrings of those names: a line holding none of them needs no closer look.
PROTECTION_HINTS: Final = ("protection", "termination", "snapshot", "retention", "force_destroy")

_SEVERITY_BY_ACTION: Final = {
    "create": Tier.LOW,
    "create-forget": Tier.LOW,
    "update": Tier.HIGH,
    "destroy": Tier.CRITICAL,
    "replace": Tier.CRITICAL,
}


def protection_finding(
    attribute: str,
    before: object,
    after: object,
    action: str,
    address: str,
    line: int,
) -> Finding | None:
    """A finding when `attribute` going from `before` to `after` weakens a protection.

    `None` stands for null/absent and `UNKNOWN` for "(known after apply)". The severity follows
    the resource's action: low on a create, high on an update, critical on a destroy/replace.
    """
    severity = _SEVERITY_BY_ACTION.get(action)
    if severity is None:
        return None
    rule: str
    if attribute in (
        "deletion_protection",
        "enable_deletion_protection",
        "termination_protection",
        "disable_api_termination",
    ):
        if action not in ("update", "replace") or before is not True or after is True:
            return None
        rule = "tf.deletion-protection-off"
        why = f"turns {attribute} off on {address} ({_show(before)} -> {_show(after)})"
        safer = (
            f"keep {attribute} on; turn it off in its own reviewed change, right before a "
            "delete that is really intended"
        )
    elif attribute == "skip_final_snapshot":
        turned_on = after is True and before is not True
        used_now = action in ("destroy", "replace") and (before is True or after is True)
        if not (turned_on or used_now):
            return None
        rule = "tf.skip-final-snapshot"
        if used_now:
            why = f"{address} is deleted with skip_final_snapshot = true: no final snapshot is kept"
        else:
            why = f"sets skip_final_snapshot = true on {address}: a later delete keeps no snapshot"
        safer = (
            "set skip_final_snapshot = false with a final_snapshot_identifier, or take a "
            "manual snapshot before applying"
        )
    elif attribute == "backup_retention_period":
        if after != 0 or after is False or before == 0:
            return None
        rule = "tf.backup-retention-zero"
        if action == "update":
            severity = Tier.CRITICAL
            why = (
                f"sets backup_retention_period to 0 on {address} ({_show(before)} -> 0): "
                "automated backups are turned off and the existing ones deleted"
            )
        else:
            why = f"{address} has backup_retention_period = 0: no automated backups"
        safer = "keep backup_retention_period above 0; take a manual snapshot first"
    elif attribute == "force_destroy":
        turned_on = after is True and before is not True
        used_now = action in ("destroy", "replace") and (before is True or after is True)
        if not (turned_on or used_now):
            return None
        rule = "tf.force-destroy"
        if used_now:
            why = f"{address} is deleted with force_destroy = true: everything in it goes too"
        else:
            why = f"sets force_destroy = true on {address}: a later destroy deletes its contents"
        safer = "keep force_destroy = false so a destroy fails while the bucket still holds data"
    else:
        return None
    return Finding(
        line=line,
        end_line=line,
        severity=severity,
        rule=rule,
        why=why,
        resources=(address,),
        safer=safer,
        action=None,
    )


def _show(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def drift_finding(address: str, line: int) -> Finding:
    """An object deleted outside Terraform: not a planned action, but worth knowing."""
    return Finding(
        line=line,
        end_line=line,
        severity=Tier.LOW,
        rule="tf.drift-deleted",
        why=(
            f"{address} was deleted outside Terraform (drift, not a planned action); "
            "this plan may create it again, empty"
        ),
        resources=(address,),
        safer="find out who deleted it, and whether its data must be restored first",
    )

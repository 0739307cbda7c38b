"""Benchmark: lines per second of analyze_terraform_text on a generated 100k-line text plan.

Writes a realistic `terraform plan -no-color` output (creates, in-place updates, destroys and
replaces, nested blocks, lists, heredoc user_data, `# forces replacement` markers, the Plan:
summary) to a temporary directory, reads it back and times the analyzer on one core. Target:
>= 200k lines/s. Prints the figure; not a timed test.

    .venv/bin/python bench/bench_terraform_text.py [LINES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from approve.analyze.rules import RuleSet
from approve.analyze.terraform_text import analyze_terraform_text

TARGET_LINES_PER_SECOND = 200_000


def _create(index: int) -> list[str]:
    return [
        f"  # aws_instance.web[{index}] will be created",
        '  + resource "aws_instance" "web" {',
        '      + ami                          = "ami-0c55b159cbfafe1f0"',
        "      + arn                          = (known after apply)",
        "      + id                           = (known after apply)",
        '      + instance_type                = "t3.micro"',
        "      + tags                         = {",
        f'          + "Name" = "web-{index}"',
        "        }",
        "      + user_data                    = <<-EOT",
        "            #!/bin/bash",
        "            echo hello > /etc/motd",
        f"            # aws_db_instance.fake{index} will be destroyed",
        "        EOT",
        "",
        "      + root_block_device {",
        "          + delete_on_termination = true",
        "          + volume_size           = 20",
        "        }",
        "    }",
        "",
    ]


def _update(index: int) -> list[str]:
    return [
        f'  # module.app.aws_security_group.rules["svc-{index}"] will be updated in-place',
        '  ~ resource "aws_security_group" "rules" {',
        f'        id                     = "sg-{index:017x}"',
        "      ~ ingress                = [",
        "          + {",
        "              + cidr_blocks      = [",
        '                  + "10.0.0.0/16",',
        "                ]",
        "              + from_port        = 443",
        '              + protocol         = "tcp"',
        "              + to_port          = 443",
        "            },",
        "        ]",
        '        name                   = "rules"',
        "        # (7 unchanged attributes hidden)",
        "    }",
        "",
    ]


def _destroy(index: int) -> list[str]:
    return [
        f"  # aws_s3_bucket.old_{index} will be destroyed",
        f"  # (because aws_s3_bucket.old_{index} is not in configuration)",
        f'  - resource "aws_s3_bucket" "old_{index}" {{',
        f'      - bucket        = "old-{index}" -> null',
        "      - force_destroy = false -> null",
        f'      - id            = "old-{index}" -> null',
        "      - tags          = {",
        '          - "team" = "data"',
        "        } -> null",
        "    }",
        "",
    ]


def _replace(index: int) -> list[str]:
    return [
        f"  # aws_db_instance.db_{index} must be replaced",
        f'-/+ resource "aws_db_instance" "db_{index}" {{',
        '      ~ arn                     = "arn:aws:rds:eu-west-1:123456789012:db:x" -> (known after apply)',
        "      ~ backup_retention_period = 7 -> 7",
        '      ~ engine                  = "mysql" -> "postgres" # forces replacement',
        '      ~ id                      = "x" -> (known after apply)',
        "      ~ skip_final_snapshot     = false -> false",
        "        # (21 unchanged attributes hidden)",
        "",
        "      - timeouts {}",
        "    }",
        "",
    ]


def generate(lines_wanted: int) -> str:
    head = [
        "Terraform used the selected providers to generate the following execution",
        "plan. Resource actions are indicated with the following symbols:",
        "  + create",
        "  ~ update in-place",
        "  - destroy",
        "-/+ destroy and then create replacement",
        "",
        "Terraform will perform the following actions:",
        "",
    ]
    body: list[str] = []
    counts = {"create": 0, "update": 0, "destroy": 0, "replace": 0}
    makers = (
        ("create", _create),
        ("update", _update),
        ("update", _update),
        ("destroy", _destroy),
        ("replace", _replace),
    )
    index = 0
    while len(head) + len(body) < lines_wanted - 2:
        kind, make = makers[index % len(makers)]
        body.extend(make(index))
        counts[kind] += 1
        index += 1
    add = counts["create"] + counts["replace"]
    destroy = counts["destroy"] + counts["replace"]
    summary = f"Plan: {add} to add, {counts['update']} to change, {destroy} to destroy."
    return "\n".join([*head, *body, summary, ""])


def main() -> None:
    lines_wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "plan.txt"
        path.write_text(generate(lines_wanted), encoding="utf-8")
        text = path.read_text(encoding="utf-8")
    line_count = text.count("\n")
    ruleset = RuleSet()  # the text analyzer uses no rule packs
    analyze_terraform_text(text, ruleset)  # warm up regex caches
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        partial = analyze_terraform_text(text, ruleset)
        best = min(best, time.perf_counter() - started)
    rate = line_count / best
    mismatches = [f for f in partial.findings if f.rule == "tf.summary-mismatch"]
    verdict = "ok" if rate >= TARGET_LINES_PER_SECOND else "BELOW TARGET"
    print(
        f"terraform text plan: {line_count} lines in {best * 1000:.1f} ms = "
        f"{rate:,.0f} lines/s (target {TARGET_LINES_PER_SECOND:,}: {verdict}); "
        f"{len(partial.findings)} findings, counts {partial.counts}"
        + ("; SUMMARY MISMATCH" if mismatches else "")
    )


if __name__ == "__main__":
    main()

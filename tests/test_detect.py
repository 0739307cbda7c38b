"""Format detection picks the right analyzer from the first lines."""

from __future__ import annotations

import pytest

from approve.analyze.detect import detect_format

CASES = [
    ('{"format_version": "1.2", "resource_changes": []}', "terraform-json"),
    ("Terraform will perform the following actions:\n\n  # a.b will be destroyed\n", "terraform"),
    ("OpenTofu will perform the following actions:\n", "terraform"),
    ('  # aws_db_instance.prod must be replaced\n-/+ resource "x" "y" {\n', "terraform"),
    ("diff --git a/main.tf b/main.tf\nindex 1..2\n--- a/main.tf\n+++ b/main.tf\n", "diff"),
    ("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", "diff"),
    ("DROP TABLE users;", "sql"),
    ("DELETE FROM orders;\nSELECT 1;", "sql"),
    ("rm -rf build", "shell"),
    ("update-alternatives --config java", "shell"),
    ("#!/bin/bash\nset -e\nceph osd purge 3\n", "shell"),
    ("Some notes\nabout the release\n", "text"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_detect(text: str, expected: str) -> None:
    assert detect_format(text) == expected

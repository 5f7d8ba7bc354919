"""The simulated containers' shell (labkit/sim/shell.py), as busybox's ash reads and runs a script:
tokens, expansion, redirections, `;` `&&` `||`, pipes, and its syntax errors (checked against
`docker exec C sh -c '...'` on the real engine, busybox 1.35)."""
from __future__ import annotations

import pytest

import labkit.sim as sim
from labkit.sim.engine import containers
from labkit.sim.shell import Op, Redirect, Shell, ShellSyntax, Word, parse, tokenize


@pytest.fixture(scope="module")
def box():
    """A running container (busybox sleeping) on a fresh simulated engine, with -e X=1."""
    world = sim.World()
    host = world.add_host()
    c = containers.create(host, "box", {"Image": "busybox", "Cmd": ["sleep", "600"], "Env": ["X=1", "TWO=a  b"],
                                        "HostConfig": {}})
    containers.start(c)
    return c


def run(box, script: str) -> tuple[int, str, str]:
    res = Shell(box, box.process, main=False).run_script(script)
    return res.code, res.out, res.err


# -- tokens ----------------------------------------------------------------------------------------
def words(script: str) -> list:
    out = []
    for tok in tokenize(script):
        if isinstance(tok, Word):
            out.append(tok.parts)
        elif isinstance(tok, Op):
            out.append(tok.op)
        else:
            out.append((tok.fd, tok.op, tok.target.text))
    return out


def test_words_keep_how_they_were_quoted():
    assert words("""echo 'a b' "c $X" d\\ e $Y""") == [
        [("echo", "")], [("a b", "'")], [("c $X", '"')], [("d", ""), (" ", "\\"), ("e", "")], [("$Y", "$")]]


def test_operators_and_redirections():
    assert words("a && b || c; d & e | f") == [[("a", "")], "&&", [("b", "")], "||", [("c", "")], ";",
                                               [("d", "")], "&", [("e", "")], "|", [("f", "")]]
    assert words("cmd >out 2>&1 >>log <in 2>/dev/null") == [
        [("cmd", "")], (1, ">", "out"), (2, ">&", "1"), (1, ">>", "log"), (0, "<", "in"), (2, ">", "/dev/null")]


def test_a_comment_runs_to_the_end_of_the_line():
    assert words("echo a # not this\necho b#c") == [[("echo", "")], [("a", "")], "\n", [("echo", "")], [("b#c", "")]]


def test_substitutions_are_one_part_each():
    assert words('echo $(hostname -i) `id` ${X:-y} "$(echo "q")"') == [
        [("echo", "")], [("$(hostname -i)", "$")], [("`id`", "$")], [("${X:-y}", "$")], [('$(echo "q")', '"')]]


@pytest.mark.parametrize("script, error", [
    ("echo 'a", "unterminated quoted string"),
    ('echo "a', "unterminated quoted string"),
    ("echo >", "unexpected end of file"),
    ("echo >\necho b", "unexpected newline"),
    ("echo > ;", 'unexpected ";"'),
])
def test_tokens_syntax_errors(script, error):
    with pytest.raises(ShellSyntax, match=f"^{error}$"):
        tokenize(script)


@pytest.mark.parametrize("script, error", [
    ("; echo a", 'unexpected ";"'),
    ("echo a &&", "unexpected end of file"),
    ("echo a |", "unexpected end of file"),
    ("&& echo a", 'unexpected "&&"'),
    ("echo a;;", 'unexpected ";;"'),
])
def test_parse_syntax_errors(script, error):
    with pytest.raises(ShellSyntax, match=f"^{error}$"):
        parse(tokenize(script))


def test_a_list_of_pipelines_each_with_what_follows_it():
    pipes = parse(tokenize("a | b && c; d &"))
    assert [([c.words[0].text for c in p.commands], p.then) for p in pipes] == [(["a", "b"], "&&"), (["c"], ";"),
                                                                                (["d"], "&")]
    assert isinstance(parse(tokenize("a >x"))[0].commands[0].redirects[0], Redirect)


# -- expansion --------------------------------------------------------------------------------------
@pytest.mark.parametrize("script, out", [
    ("echo $X", "1\n"),
    ('echo "$X"', "1\n"),
    ("echo '$X'", "$X\n"),
    ("echo \\$X", "$X\n"),
    ("echo ${X}y", "1y\n"),
    ("echo $UNSET.", ".\n"),
    ("echo ${UNSET:-dflt} ${X:-dflt}", "dflt 1\n"),
    ("echo ${#HOSTNAME}", "12\n"),
    ("echo $TWO", "a b\n"),              # unquoted: split into fields
    ('echo "$TWO"', "a  b\n"),           # quoted: kept whole
    ("x=5; echo $x", "5\n"),
    ("false; echo $?", "1\n"),
    ("echo $(echo inner)", "inner\n"),
    ("echo `echo back`", "back\n"),
    ('echo "a  b"  c', "a  b c\n"),
    ("echo $HOME $PATH", "/ /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"),
])
def test_expansion(box, script, out):
    assert run(box, script) == (0, out, "")


def test_hostname_variable_is_the_containers(box):
    assert run(box, "echo $HOSTNAME") == (0, box.id[:12] + "\n", "")


def test_an_assignment_before_a_command_is_for_that_command_only(box):
    assert run(box, "Y=2 env | grep ^Y=; echo [$Y]") == (0, "Y=2\n[]\n", "")


def test_export_and_unset(box):
    assert run(box, "export Z=3; env | grep ^Z=; unset Z; env | grep -c ^Z=") == (1, "Z=3\n0\n", "")


# -- running: lists, pipes, redirections, exit ----------------------------------------------------------
@pytest.mark.parametrize("script, result", [
    ("true && echo yes", (0, "yes\n", "")),
    ("false && echo yes", (1, "", "")),
    ("false || echo no", (0, "no\n", "")),
    ("echo a; false && echo b || echo c", (0, "a\nc\n", "")),
    ("echo one two | wc -w", (0, "2\n", "")),
    ("cat /etc/hostname | cut -c 1-3 | wc -l", (0, "1\n", "")),
    ("nosuchcmd", (127, "", "sh: nosuchcmd: not found\n")),
    ("nosuchcmd; echo $?", (0, "127\n", "sh: nosuchcmd: not found\n")),
    ("exit 3", (3, "", "")),
    ("exit 300", (44, "", "")),
    ("false; exit", (1, "", "")),
    ("echo before; exit 2; echo after", (2, "before\n", "")),
])
def test_lists_pipes_and_exit(box, script, result):
    assert run(box, script) == result


def test_redirections_write_the_containers_files(box):
    assert run(box, "echo hi > /f; echo more >> /f; cat /f") == (0, "hi\nmore\n", "")
    assert run(box, "cat < /f") == (0, "hi\nmore\n", "")
    assert run(box, "cat /f")[1] == "hi\nmore\n"    # and the next shell sees them


def test_redirections_of_the_error_stream(box):
    assert run(box, "cat /nope 2>/dev/null; echo $?") == (0, "1\n", "")
    assert run(box, "echo oops >&2") == (0, "", "oops\n")
    assert run(box, "cat /nope 2>&1 | wc -l") == (0, "1\n", "")


def test_redirections_are_opened_in_order(box):
    # fd 1 goes where fd 2 was, then fd 2 is thrown away: "a" still reaches the error stream.
    assert run(box, "echo a >&2 2>/dev/null") == (0, "", "a\n")
    assert run(box, "echo b 2>/dev/null >&2") == (0, "", "")


def test_a_file_is_made_only_in_a_folder_that_exists(box):
    # The lab image has no /tmp (busybox's own image has none either).
    assert run(box, "echo a > /tmp/f; echo $?") == (0, "1\n", "sh: can't create /tmp/f: nonexistent directory\n")
    assert run(box, "mkdir -p /tmp/d && echo a > /tmp/d/f && cat /tmp/d/f") == (0, "a\n", "")
    assert run(box, "> /empty; cat /empty; echo [$?]") == (0, "[0]\n", "")


def test_pathname_expansion(box):
    assert run(box, "echo /*") == (0, "/bin /dev /empty /etc /f /proc /sys /tmp\n", "")
    assert run(box, "cd /tmp; echo * d*; echo '*' n*") == (0, "d d\n* n*\n", "")


def test_cd_and_pwd(box):
    assert run(box, "echo $PWD; cd /etc && pwd && echo $PWD") == (0, "/\n/etc\n/etc\n", "")
    assert run(box, "cd /nope") == (2, "", "sh: cd: line 0: can't cd to /nope: No such file or directory\n")


def test_a_missing_input_file(box):
    assert run(box, "cat < /nope") == (1, "", "sh: can't open '/nope': No such file or directory\n")


def test_a_syntax_error_is_exit_2(box):
    assert run(box, "echo 'a") == (2, "", "sh: syntax error: unterminated quoted string\n")


def test_sh_c_runs_a_child_shell(box):
    # exit ends the child only; its own variables stay its own.
    assert run(box, "sh -c 'y=1; exit 4'; echo $? [$y]") == (0, "4 []\n", "")

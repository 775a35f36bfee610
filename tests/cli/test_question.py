"""The erase's yes-or-no question: what each answer means, and Ctrl-C ends it at whatever moment it
comes, even just as the question starts to wait (where ``input()`` would notice it only once a line
was typed). A real process and a real signal: the question's own wait is what is tested."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from shared.settings import REPO_ROOT

ASKING = textwrap.dedent(
    """
    import sys
    from sanctuary.cli_question import ask_yes_no

    try:
        answer = ask_yes_no("Erase?")
    except KeyboardInterrupt:
        sys.exit(130)
    print("ANSWER", answer)
    """
)


def ask(stdin: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", ASKING], input=stdin, capture_output=True, text=True, timeout=60,
        env=dict(os.environ) | {"PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.rpartition("ANSWER ")[2].strip()


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("y\n", "True"),
        ("YES\n", "True"),
        ("n\n", "False"),
        ("\n", "False"),
        ("", "None"),
        ("maybe\ny\n", "True"),
    ],
)
def test_each_answer(typed: str, answer: str) -> None:
    assert ask(typed) == answer


def test_something_else_is_asked_again_and_never_taken_for_yes() -> None:
    done = ask("maybe\n")  # then stdin closes: no answer
    assert done == "None"


def test_ctrl_c_at_any_moment_of_the_question_ends_it() -> None:
    rng = random.Random(7)
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", ASKING], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=dict(os.environ) | {"PYTHONPATH": str(REPO_ROOT)},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        assert proc.stdout is not None
        seen = ""
        while "Erase?" not in seen:
            seen += proc.stdout.read(1) or "EOF"
            assert "EOF" not in seen, proc.communicate()[1]
        time.sleep(rng.random() / 100)  # a moment in the first 10 ms of its wait; nothing is waited out
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=60)  # stdin stays open: only Ctrl-C can end it
        finally:
            proc.kill()
            proc.communicate()
        assert code == 130

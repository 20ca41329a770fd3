"""During a run stdout carries nothing: prints of libraries, C code and child processes go to stderr."""

from __future__ import annotations

import os
import subprocess
import sys

from flows.stdio import stdout_to_stderr


def test_prints_of_python_c_and_children_go_to_stderr(capfd):
    print("before")
    with stdout_to_stderr():
        print("python print")
        os.write(1, b"fd 1 write\n")
        subprocess.run([sys.executable, "-c", "print('child print')"], check=True)
    print("after")
    out, err = capfd.readouterr()
    assert out == "before\nafter\n"
    assert "python print" in err and "fd 1 write" in err and "child print" in err


def test_yake_warning_for_lithuanian_stays_off_stdout(capfd):
    from tasks.enrich import keywords

    keywords._python_extractor.cache_clear()
    keywords._extractor.cache_clear()
    text = ("Lietuvos Respublikos Seimas antradienį priėmė naują biudžetą. Vyriausybė teigia, kad biudžetas "
            "padės sumažinti deficitą. Opozicija kritikuoja sprendimą ir žada kreiptis į Konstitucinį Teismą.")
    with stdout_to_stderr():
        found = keywords.extract_keywords(text, "lt")
    out, err = capfd.readouterr()
    assert found and out == ""
    assert "ISO-8859-1" in err  # the warning yake prints is still there for people, on stderr

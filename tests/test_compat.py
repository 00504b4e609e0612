from skmgm._compat import add_note


class _ErrorWithoutNotes:
    """An exception as Python 3.10 has them: no ``add_note``."""

    def __init__(self, *args):
        self.args = args


def test_a_note_is_kept_and_on_python_3_10_also_in_the_message():
    error = ValueError("bad value")
    add_note(error, "Raised by level 'a'.")
    assert error.__notes__ == ["Raised by level 'a'."]

    old = _ErrorWithoutNotes("bad value")
    add_note(old, "Raised by level 'a'.")
    add_note(old, "Unfinished tasks: 'b'.")
    assert old.__notes__ == ["Raised by level 'a'.", "Unfinished tasks: 'b'."]
    assert old.args == ("bad value\nRaised by level 'a'.\nUnfinished tasks: 'b'.",)


def test_a_message_of_several_arguments_is_left_as_it_is():
    old = _ErrorWithoutNotes(2, "No such file")
    add_note(old, "Raised by level 'a'.")
    assert old.args == (2, "No such file")
    assert old.__notes__ == ["Raised by level 'a'."]

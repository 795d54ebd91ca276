from civicpanel import cli


def test_help_lists_the_method_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("select", "pb", "weight", "estimate", "demo", "serve"):
        assert command in out

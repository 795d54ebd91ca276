from civicpanel import cli


def test_help_lists_the_method_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("select", "pb", "weight", "estimate", "demo", "serve"):
        assert command in out


def test_select_prepare_compiles_the_sample_landing_ahead_of_the_first_preview(capsys):
    from civicpanel import cli
    from civicpanel.methods.selection import landing

    assert cli.main(["select", "prepare"]) == 0
    assert "sample code ready" in capsys.readouterr().out
    compiled = [f for f in vars(landing).values() if hasattr(f, "signatures") and f.signatures]
    assert compiled  # the column generation's search code ran, so it is compiled (and cached)

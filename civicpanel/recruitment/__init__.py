"""Growing and keeping the panel: recruitment letters with personal codes, campaign figures, panel health."""

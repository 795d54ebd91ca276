"""Published results and the public panel site: what the council asked, what residents answered, what came of it."""

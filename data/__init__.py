"""seeds/ in, data/ out: the build that turns annotated articles into the served database."""

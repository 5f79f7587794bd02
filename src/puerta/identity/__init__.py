"""Who is who: normalised person keys and the resolver interface the draw uses."""

"""Citizens' satisfaction ratings of the service they received."""
